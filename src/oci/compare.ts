/**
 * Compares two builds of an image, platform by platform, layer by layer (by diffID), file by file,
 * and names the likely causes. Works on any two sources; it never knows which kind it reads.
 */
import { explainDifferences } from './causes.js';
import type { Digest } from './digest.js';
import { digestHex } from './digest.js';
import { invalidInput } from './errors.js';
import { diffListings } from './file-diff.js';
import type { ImageSource } from './image-source.js';
import { loadImage, namedLayers, type ImageLayer, type LoadedImage, type PlatformImage } from './image.js';
import { diffJson } from './json-diff.js';
import { readLayerFiles, type LayerListing } from './layer-files.js';
import type { FileEntry } from './schema.js';
import type { FileDifference, ImageSummary, LayerComparison, PlatformComparison, ValueChange, Verdict } from './verdict.js';

export async function compareImages(a: ImageSource, b: ImageSource): Promise<Verdict> {
  const imageA = await loadImage(a);
  const imageB = await loadImage(b);
  // Integrity first and whole: a tampered blob anywhere is an error, never part of a verdict.
  for (const image of [imageA, imageB]) {
    await image.blobs.verifyAll();
    await checkListingsAreNamed(image);
  }
  const identical = imageA.digest === imageB.digest;
  const listings = { a: new ListingCache(imageA), b: new ListingCache(imageB) };
  const platforms = await comparePlatforms(imageA, imageB, listings, identical);
  const facts: Omit<Verdict, 'causes'> = {
    identical,
    a: summarize(imageA),
    b: summarize(imageB),
    indexChanges: identical ? [] : compareIndexes(imageA, imageB),
    platforms,
    notes: [...imageA.notes.map((n) => `A: ${n}`), ...imageB.notes.map((n) => `B: ${n}`)],
  };
  return { ...facts, causes: identical ? [] : explainDifferences(facts) };
}

function summarize(image: LoadedImage): ImageSummary {
  return {
    location: image.blobs.location,
    form: image.blobs.source.form,
    digest: image.digest,
    mediaType: image.mediaType,
    platforms: image.platforms.map((p) => p.platform),
    attestations: image.attestations.length,
    buildInfo: image.buildInfo,
  };
}

async function checkListingsAreNamed(image: LoadedImage): Promise<void> {
  const named = namedLayers(image);
  for (const layer of await image.blobs.source.listLayerListings()) {
    if (!named.has(layer)) {
      throw invalidInput(image.blobs.location, `layers/${digestHex(layer)}.jsonl lists a layer that no image manifest names`);
    }
  }
}

function compareIndexes(a: LoadedImage, b: LoadedImage): ValueChange[] {
  const changes = diffJson(a.indexAnnotations ?? {}, b.indexAnnotations ?? {}, 'annotations');
  if (a.mediaType !== b.mediaType) changes.push({ path: 'mediaType', a: a.mediaType, b: b.mediaType });
  if (a.attestations.length !== b.attestations.length) {
    changes.push({ path: 'attestation manifests', a: a.attestations.length, b: b.attestations.length });
  } else if (a.attestations.some((d, i) => d.digest !== b.attestations[i]?.digest)) {
    changes.push({ path: 'attestation manifests', a: a.attestations.map((d) => d.digest), b: b.attestations.map((d) => d.digest) });
  }
  return changes;
}

async function comparePlatforms(
  a: LoadedImage,
  b: LoadedImage,
  listings: { a: ListingCache; b: ListingCache },
  identical: boolean,
): Promise<PlatformComparison[]> {
  const byPlatformB = new Map(b.platforms.map((p) => [p.platform, p]));
  const result: PlatformComparison[] = [];
  for (const pa of a.platforms) {
    const pb = byPlatformB.get(pa.platform);
    result.push(pb ? await comparePlatform(pa, pb, listings, identical) : onlyIn('a', pa));
  }
  const inA = new Set(a.platforms.map((p) => p.platform));
  for (const pb of b.platforms) if (!inA.has(pb.platform)) result.push(onlyIn('b', pb));
  return result;
}

function onlyIn(side: 'a' | 'b', p: PlatformImage): PlatformComparison {
  return {
    platform: p.platform,
    status: side === 'a' ? 'only-in-a' : 'only-in-b',
    manifestA: side === 'a' ? p.descriptor.digest : null,
    manifestB: side === 'b' ? p.descriptor.digest : null,
    configA: side === 'a' ? p.configDigest : null,
    configB: side === 'b' ? p.configDigest : null,
    manifestChanges: [],
    configChanges: [],
    layers: [],
  };
}

async function comparePlatform(
  pa: PlatformImage,
  pb: PlatformImage,
  listings: { a: ListingCache; b: ListingCache },
  identical: boolean,
): Promise<PlatformComparison> {
  const same = identical || pa.descriptor.digest === pb.descriptor.digest;
  const layers: LayerComparison[] = [];
  for (let i = 0; i < Math.max(pa.layers.length, pb.layers.length); i++) {
    layers.push(await compareLayer(pa.layers[i] ?? null, pb.layers[i] ?? null, i, listings, same));
  }
  return {
    platform: pa.platform,
    status: same ? 'same' : 'different',
    manifestA: pa.descriptor.digest,
    manifestB: pb.descriptor.digest,
    configA: pa.configDigest,
    configB: pb.configDigest,
    manifestChanges: same ? [] : diffJson(manifestOwnFields(pa), manifestOwnFields(pb)),
    configChanges: same || pa.configDigest === pb.configDigest ? [] : diffJson(pa.config, pb.config),
    layers,
  };
}

/** The manifest without what is compared on its own (config and layers). */
function manifestOwnFields(p: PlatformImage): Record<string, unknown> {
  const { config: _config, layers: _layers, ...rest } = p.manifest;
  return rest;
}

async function compareLayer(
  la: ImageLayer | null,
  lb: ImageLayer | null,
  index: number,
  listings: { a: ListingCache; b: ListingCache },
  platformSame: boolean,
): Promise<LayerComparison> {
  const base: LayerComparison = {
    index,
    status: 'same',
    diffIdA: la?.diffId ?? null,
    diffIdB: lb?.diffId ?? null,
    digestA: la?.descriptor.digest ?? null,
    digestB: lb?.descriptor.digest ?? null,
    mediaTypeA: la?.descriptor.mediaType ?? null,
    mediaTypeB: lb?.descriptor.mediaType ?? null,
    files: null,
    entriesA: null,
    entriesB: null,
    unavailable: null,
  };
  if (platformSame && la && lb) return base;
  if (la && lb) {
    if (la.descriptor.digest === lb.descriptor.digest) return base;
    if (la.diffId && la.diffId === lb.diffId) return { ...base, status: 'recompressed' };
  }
  const listingA = la ? await listings.a.get(la) : null;
  const listingB = lb ? await listings.b.get(lb) : null;
  const status = !la ? 'only-in-b' : !lb ? 'only-in-a' : 'different';
  const reasons = [listingA, listingB].flatMap((l, i) => (l?.kind === 'unavailable' ? [`${i === 0 ? 'A' : 'B'}: ${l.reason}`] : []));
  if (reasons.length > 0) return { ...base, status, unavailable: reasons.join('; ') };
  const entriesA = listingA?.kind === 'listed' ? listingA.entries : [];
  const entriesB = listingB?.kind === 'listed' ? listingB.entries : [];
  const files: FileDifference[] = diffListings(entriesA, entriesB);
  return { ...base, status, files, entriesA: la ? countPaths(entriesA) : null, entriesB: lb ? countPaths(entriesB) : null };
}

function countPaths(entries: FileEntry[]): number {
  return new Set(entries.map((e) => e.path)).size;
}

/** One listing per layer digest and build: a base layer shared by every platform is read once. */
class ListingCache {
  private readonly listings = new Map<Digest, Promise<LayerListing>>();

  constructor(private readonly image: LoadedImage) {}

  get(layer: ImageLayer): Promise<LayerListing> {
    let listing = this.listings.get(layer.descriptor.digest);
    if (!listing) {
      listing = readLayerFiles(this.image.blobs, layer.descriptor, layer.diffId);
      this.listings.set(layer.descriptor.digest, listing);
    }
    return listing;
  }
}
