import type { ImageRef } from '../image-ref.js';

/** A lookup's answer, as a value: a digest, or a sentence saying why there is none. */
export type DigestLookup = { ok: true; digest: string } | { ok: false; message: string };

/** Resolves an image tag to the digest its registry serves for it (the index digest for multi-arch tags). */
export interface ImageDigestResolver {
  resolveDigest(ref: ImageRef): Promise<DigestLookup>;
}
