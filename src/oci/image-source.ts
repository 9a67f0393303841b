/**
 * The one interface every input implements (the shape of go-containerregistry's `v1.Image` and its
 * per-source packages): a source hands out raw bytes by name and nothing else. It verifies nothing
 * and interprets nothing; `verified-blobs.ts` checks every byte it returns, and the comparison
 * never knows which kind of source it reads.
 */
import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';

export type SourceForm = 'oci-layout' | 'oci-archive' | 'artifact-folder';

export interface ImageSource {
  readonly form: SourceForm;
  /** The path the user gave, for messages. */
  readonly location: string;
  /**
   * The layout's `index.json`: the entry point, not content-addressed. Only the digests it points
   * at are used, and each blob is checked against its digest when read.
   */
  readIndexJson(): Promise<Buffer>;
  /** Every blob the source holds, so all of them can be checked, reachable or not. */
  listBlobs(): Promise<Digest[]>;
  /** The stored size of a blob, or null when the source does not hold it. */
  blobSize(digest: Digest): Promise<number | null>;
  /** The blob's raw (unverified) bytes, or null when the source does not hold it. */
  openBlob(digest: Digest): Promise<Readable | null>;
  /** Layers that have a file listing (`layers/<hex>.jsonl`); empty for sources without listings. */
  listLayerListings(): Promise<Digest[]>;
  /** The raw listing of a layer, or null. */
  readLayerListing(layer: Digest): Promise<Buffer | null>;
  /** The raw `build.json`, or null. */
  readBuildInfo(): Promise<Buffer | null>;
  close(): Promise<void>;
}
