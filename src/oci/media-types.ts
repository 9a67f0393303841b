/** Manifest and layer media types of the OCI image spec and of Docker's v2 schema 2, which builders still write. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}

export type LayerCompression = 'none' | 'gzip' | 'zstd' | 'unknown';

/** From the media type (`…tar`, `…tar+gzip`, `…tar.gzip`, `…tar+zstd`); the bytes are sniffed too, since some tools mislabel. */
export function layerCompression(mediaType: string): LayerCompression {
  if (/[+.]gzip$/.test(mediaType)) return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  if (/[.]tar$/.test(mediaType)) return 'none';
  return 'unknown';
}

/** Annotation BuildKit puts on attestation manifests in an index (with platform unknown/unknown). */
export const ATTESTATION_ANNOTATION = 'vnd.docker.reference.type';
export const ATTESTATION_KIND = 'attestation-manifest';
/** The base image a builder recorded (buildah, BuildKit with `org.opencontainers.image.base.*`). */
export const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';
