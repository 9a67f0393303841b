/**
 * Reads an image out of any source: index.json → (index →)* image manifests → configs, every
 * document verified against its digest. Attestation manifests are set aside, not compared.
 */
import { digestOf, type Digest } from './digest.js';
import { invalidInput } from './errors.js';
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

const MAX_DEPTH = 4;

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
  const roots = entry.data.manifests;
  const [only] = roots;
  if (!only) throw invalidInput(source.location, 'index.json names no image');
  if (roots.length === 1) {
    image.digest = only.digest;
    image.mediaType = only.mediaType;
    await walk(image, only, 0);
  } else {
    // Several images in one layout (e.g. skopeo copies into a shared layout): index.json itself
    // is the image list, and its own hash stands for the whole.
    image.indexAnnotations = entry.data.annotations ?? {};
    image.notes.push(`index.json names ${roots.length} manifests; they are compared as one index`);
    for (const child of roots) await walkChild(image, child, 1);
  }
  disambiguatePlatforms(image.platforms);
  return image;
}

async function walkChild(image: LoadedImage, child: Descriptor, depth: number): Promise<void> {
  if (isAttestation(child)) {
    image.attestations.push(child);
    return;
  }
  await walk(image, child, depth);
}

async function walk(image: LoadedImage, descriptor: Descriptor, depth: number): Promise<void> {
  const { blobs } = image;
  if (depth > MAX_DEPTH) throw invalidInput(blobs.location, `indexes are nested deeper than ${MAX_DEPTH} levels`);
  if (isIndexMediaType(descriptor.mediaType)) {
    const { value: index } = await blobs.readJson(descriptor, indexSchema, 'index');
    if (depth === 0) image.indexAnnotations = index.annotations ?? {};
    for (const child of index.manifests) await walkChild(image, child, depth + 1);
    return;
  }
  if (!isManifestMediaType(descriptor.mediaType)) {
    image.notes.push(`${descriptor.digest} has media type ${descriptor.mediaType}, which is not an image; skipped`);
    return;
  }
  const { value: manifest } = await blobs.readJson(descriptor, manifestSchema, 'manifest');
  const { value: config } = await blobs.readJson(manifest.config, configSchema, 'config');
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
