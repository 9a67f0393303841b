/**
 * What a comparison finds: the JSON `repro-pins verify --json` prints and what the App renders.
 * Plain data only, so it serialises as is.
 */
import type { Digest } from './digest.js';
import type { SourceForm } from './image-source.js';
import type { BuildInfo, FileEntry } from './schema.js';

export interface ImageSummary {
  location: string;
  form: SourceForm;
  digest: Digest;
  mediaType: string;
  platforms: string[];
  attestations: number;
  buildInfo: BuildInfo | null;
}

/** What can differ about one path; the words the diagnosis uses. */
export const FILE_ASPECTS = ['added', 'removed', 'type', 'content', 'link', 'mode', 'owner', 'mtime', 'order'] as const;
export type FileAspect = (typeof FILE_ASPECTS)[number];

export interface FileDifference {
  /** As in the layer: no leading `/`. */
  path: string;
  aspects: FileAspect[];
  /** The entry in build A, null when added in B. */
  a: FileEntry | null;
  /** The entry in build B, null when removed in B. */
  b: FileEntry | null;
}

export type LayerStatus = 'same' | 'recompressed' | 'different' | 'only-in-a' | 'only-in-b';

export interface LayerComparison {
  index: number;
  status: LayerStatus;
  diffIdA: Digest | null;
  diffIdB: Digest | null;
  digestA: Digest | null;
  digestB: Digest | null;
  mediaTypeA: string | null;
  mediaTypeB: string | null;
  /** Files that differ, in A's tar order then B's additions; null when no listing could be read. */
  files: FileDifference[] | null;
  /** How many paths each listing had (null when unavailable). */
  entriesA: number | null;
  entriesB: number | null;
  /** Why there are no files, when `files` is null. */
  unavailable: string | null;
}

export interface ValueChange {
  /** JSON path in the document, e.g. `created`, `history[2].created`, `config.Labels.version`. */
  path: string;
  a: unknown;
  b: unknown;
}

export type PlatformStatus = 'same' | 'different' | 'only-in-a' | 'only-in-b';

export interface PlatformComparison {
  platform: string;
  status: PlatformStatus;
  manifestA: Digest | null;
  manifestB: Digest | null;
  configA: Digest | null;
  configB: Digest | null;
  /** Differences in the manifest other than the config and layer descriptors (annotations, media type). */
  manifestChanges: ValueChange[];
  configChanges: ValueChange[];
  layers: LayerComparison[];
}

export interface Cause {
  /** Stable id, e.g. `unclamped-timestamps`. */
  id: string;
  title: string;
  /** Short facts from this comparison that point at the cause. */
  evidence: string[];
  fix: string;
}

export interface Verdict {
  identical: boolean;
  a: ImageSummary;
  b: ImageSummary;
  /** Differences in the top index's own fields (annotations, attestation manifests). */
  indexChanges: ValueChange[];
  platforms: PlatformComparison[];
  /** Most likely first. Empty when identical. */
  causes: Cause[];
  notes: string[];
}
