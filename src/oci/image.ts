/**
 * Reads an image out of any source: index.json → (index →)* image manifests → configs, every
 * document verified against its digest. Attestation manifests are set aside, not compared.
 */
import { digestOf, type Digest } from './digest.js';
import { integrityError, invalidInput } from './errors.js';
import type { ImageSource } from './image-source.js';
import { ATTESTATION_ANNOTATION, ATTESTATION_KIND, isIndexMediaType, isManifestMediaType, MEDIA_TYPES } from './media-types.js';
import {
  buildInfoSchema,
  configSchema,
  indexSchema,
  manifestSchema,
  type BuildInfo,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
} from './schema.js';
import { VerifiedBlobs } from './verified-blobs.js';

export interface ImageLayer {
  /** Position from the bottom (0 is the base image's first layer). */
  index: number;
  descriptor: Descriptor;
  /** From the config's `rootfs.diff_ids`; null when the config has fewer entries than layers. */
  diffId: Digest | null;
}

export interface PlatformImage {
  /** `os/architecture[/variant]`. */
  platform: string;
  descriptor: Descriptor;
  manifest: ImageManifest;
  configDigest: Digest;
  config: ImageConfig;
  layers: ImageLayer[];
}

export interface LoadedImage {
  blobs: VerifiedBlobs;
  /** The image's digest: of the manifest or index that index.json points at, recomputed from its bytes. */
  digest: Digest;
  mediaType: string;
  /** Annotations of the top index (null for a single manifest). */
  indexAnnotations: Record<string, string> | null;
  platforms: PlatformImage[];
  /** Attestation manifests (provenance, SBOM) the index carries; skipped by the comparison. */
  attestations: Descriptor[];
  buildInfo: BuildInfo | null;
  /** Things in the image the comparison could not use, in a sentence each. */
  notes: string[];
}

/**
 * Caps on what one image may make the walk do. A real multi-platform index names a few dozen
 * manifests (plus as many attestations) and nests at most twice (index.json → index →
 * manifest); a crafted layout of indexes naming each other many times must end in an error,
 * not in K^depth reads (issue 10).
 */
export const MAX_DEPTH = 4;
export const MAX_DESCRIPTORS = 1024;

/** One image load: each digest is walked once, however many indexes name it. */
interface Walk {
  image: LoadedImage;
  /** Media type and size each digest was first named with, and how often it was named. */
  seen: Map<Digest, { mediaType: string; size: number; named: number }>;
  configs: Map<Digest, { config: ImageConfig; size: number }>;
  descriptors: number;
}

export function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.[ATTESTATION_ANNOTATION] === ATTESTATION_KIND ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
  );
}

export function platformKey(platform: { os?: string | undefined; architecture?: string | undefined; variant?: string | undefined }): string {
  return [platform.os ?? 'unknown', platform.architecture ?? 'unknown', platform.variant].filter(Boolean).join('/');
}

export async function loadImage(source: ImageSource): Promise<LoadedImage> {
  const blobs = new VerifiedBlobs(source);
  const indexJsonBytes = await source.readIndexJson();
  let indexJson: unknown;
  try {
    indexJson = JSON.parse(indexJsonBytes.toString('utf8'));
  } catch (error) {
    throw invalidInput(source.location, `index.json is not JSON: ${(error as Error).message}`);
  }
  const entry = indexSchema.safeParse(indexJson);
  if (!entry.success) throw invalidInput(source.location, `index.json is not an OCI image index: ${entry.error.issues[0]?.message ?? 'malformed'}`);
  const image: LoadedImage = {
    blobs,
    digest: digestOf(indexJsonBytes),
    mediaType: MEDIA_TYPES.ociIndex,
    indexAnnotations: null,
    platforms: [],
    attestations: [],
    buildInfo: await readBuildInfo(source),
    notes: [],
  };
  const { location } = source;
  // image-spec image-layout.md: index.json is an image index; anything else claims a format we do not read.
  if (entry.data.mediaType !== undefined && entry.data.mediaType !== MEDIA_TYPES.ociIndex) {
    throw invalidInput(location, `index.json has media type ${JSON.stringify(entry.data.mediaType)}, not an OCI image index`);
  }
  const roots = entry.data.manifests;
  const [only] = roots;
  if (!only) throw invalidInput(location, 'index.json names no image');
  // A root is what the verdict's digest stands for, so it must be read and hashed like any
  // manifest: a root of a type we cannot read would otherwise leave nothing verified behind an
  // "identical".
  for (const root of roots) {
    if (!isIndexMediaType(root.mediaType) && !isManifestMediaType(root.mediaType)) {
      throw invalidInput(location, `index.json names ${root.digest} with media type ${JSON.stringify(root.mediaType)}, which is neither an image index nor an image manifest`);
    }
  }
  const state: Walk = { image, seen: new Map(), configs: new Map(), descriptors: 0 };
  if (roots.length === 1) {
    image.digest = only.digest;
    image.mediaType = only.mediaType;
    await walkChild(state, only, 0);
  } else {
    // Several images in one layout (e.g. skopeo copies into a shared layout): index.json itself
    // is the image list, and its own hash stands for the whole; each root is still read and hashed.
    image.indexAnnotations = entry.data.annotations ?? {};
    image.notes.push(`index.json names ${roots.length} manifests; they are compared as one index`);
    for (const child of roots) await walkChild(state, child, 1);
  }
  if (image.platforms.length === 0) {
    const skipped = image.attestations.length > 0 ? ` (only ${image.attestations.length} attestation manifest(s))` : '';
    throw invalidInput(location, `holds no platform image to compare${skipped}: a verdict needs at least one image manifest and its config`);
  }
  disambiguatePlatforms(image.platforms);
  return image;
}

async function walkChild(state: Walk, child: Descriptor, depth: number): Promise<void> {
  state.descriptors += 1;
  if (state.descriptors > MAX_DESCRIPTORS) {
    throw invalidInput(state.image.blobs.location, `its indexes name more than ${MAX_DESCRIPTORS} manifests (repeats counted); no image build has that many`);
  }
  if (isAttestation(child)) {
    state.image.attestations.push(child);
    return;
  }
  await walk(state, child, depth);
}

async function walk(state: Walk, descriptor: Descriptor, depth: number): Promise<void> {
  const { image } = state;
  const { blobs } = image;
  if (depth > MAX_DEPTH) throw invalidInput(blobs.location, `indexes are nested deeper than ${MAX_DEPTH} levels`);
  const seen = state.seen.get(descriptor.digest);
  if (seen) {
    seen.named += 1;
    if (seen.mediaType !== descriptor.mediaType) {
      throw invalidInput(blobs.location, `${descriptor.digest} is named both as ${seen.mediaType} and as ${descriptor.mediaType}`);
    }
    if (seen.size !== descriptor.size) {
      throw integrityError(blobs.location, `${descriptor.digest} is named with ${seen.size} bytes and with ${descriptor.size} bytes`);
    }
    // Same digest, same bytes: walked already.
    if (seen.named === 2) image.notes.push(`${descriptor.digest} is named more than once; it is compared once`);
    return;
  }
  state.seen.set(descriptor.digest, { mediaType: descriptor.mediaType, size: descriptor.size, named: 1 });
  if (isIndexMediaType(descriptor.mediaType)) {
    const { value: index } = await blobs.readJson(descriptor, indexSchema, 'index');
    checkOwnMediaType(blobs.location, descriptor, index.mediaType);
    if (depth === 0) image.indexAnnotations = index.annotations ?? {};
    for (const child of index.manifests) await walkChild(state, child, depth + 1);
    return;
  }
  if (!isManifestMediaType(descriptor.mediaType)) {
    // Inside an index only (roots are checked in loadImage): the index's own hash covers this
    // descriptor, and loadImage refuses an image in which no platform image was read.
    image.notes.push(`${descriptor.digest} has media type ${descriptor.mediaType}, which is not an image; skipped`);
    return;
  }
  const { value: manifest } = await blobs.readJson(descriptor, manifestSchema, 'manifest');
  checkOwnMediaType(blobs.location, descriptor, manifest.mediaType);
  const config = await readConfig(state, manifest.config);
  const diffIds = config.rootfs?.diff_ids ?? [];
  image.platforms.push({
    platform: platformKey(descriptor.platform ?? config),
    descriptor,
    manifest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers.map((layer, index) => ({ index, descriptor: layer, diffId: diffIds[index] ?? null })),
  });
}

/** Configs are shared by manifests that differ only in layer compression: read and hashed once. */
async function readConfig(state: Walk, descriptor: Descriptor): Promise<ImageConfig> {
  const { blobs } = state.image;
  const known = state.configs.get(descriptor.digest);
  if (known) {
    blobs.checkSize(descriptor, known.size, 'config');
    return known.config;
  }
  const { value: config, bytes } = await blobs.readJson(descriptor, configSchema, 'config');
  state.configs.set(descriptor.digest, { config, size: bytes.length });
  return config;
}

/** image-spec manifest.md / image-index.md: a document's own `mediaType`, when set, is the one its descriptor names. */
function checkOwnMediaType(location: string, descriptor: Descriptor, own: string | undefined): void {
  if (own !== undefined && own !== descriptor.mediaType) {
    throw invalidInput(location, `${descriptor.digest} is named as ${descriptor.mediaType} but says it is ${own}`);
  }
}

/** Two manifests for one platform (rare, but an index allows it) are told apart by position. */
function disambiguatePlatforms(platforms: PlatformImage[]): void {
  const seen = new Map<string, number>();
  for (const p of platforms) {
    const n = (seen.get(p.platform) ?? 0) + 1;
    seen.set(p.platform, n);
    if (n > 1) p.platform = `${p.platform}#${n}`;
  }
}

async function readBuildInfo(source: ImageSource): Promise<BuildInfo | null> {
  const bytes = await source.readBuildInfo();
  if (!bytes) return null;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalidInput(source.location, `build.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = buildInfoSchema.safeParse(json);
  if (!parsed.success) throw invalidInput(source.location, `build.json is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** Every layer digest the image's manifests name; a listing for any other layer is refused. */
export function namedLayers(image: LoadedImage): Set<Digest> {
  return new Set(image.platforms.flatMap((p) => p.layers.map((l) => l.descriptor.digest)));
}
