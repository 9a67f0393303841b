import type { ImageRef } from '../image-ref.js';
import type { DatasourceName, DependencyRef, Pin } from '../reference.js';

/** A lookup's answer, as a value: what to pin, or a sentence saying why there is nothing. */
export type LookupResult = { ok: true; pin: Pin } | { ok: false; message: string };

/** A lookup source. The planner asks each distinct key once per run, however many references share it. */
export interface Datasource {
  /** Identity of the lookup a reference needs, or null when it needs none (already fully pinned). */
  lookupKey(ref: DependencyRef): string | null;
  resolve(ref: DependencyRef): Promise<LookupResult>;
}

export type Datasources = Partial<Record<DatasourceName, Datasource>>;

/** A digest lookup's answer: a digest, or a sentence saying why there is none. */
export type DigestLookup = { ok: true; digest: string } | { ok: false; message: string };

/** Resolves an image tag to the digest its registry serves for it (the index digest for multi-arch tags). */
export interface ImageDigestResolver {
  resolveDigest(ref: ImageRef): Promise<DigestLookup>;
}
