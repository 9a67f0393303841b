import type { DependencyRef, Extraction, ManagerName, SourceFile } from '../reference.js';
import type { RepoConfig } from '../config.js';

/** What a lookup answered for a reference: the digest to pin (images) and the tag it came from. */
export interface Pin {
  digest: string;
}

/**
 * A file kind. `extract` finds references with the exact span a pin is written to; `replace`
 * writes one pin and changes no other byte. Both are pure.
 */
export interface Manager {
  name: ManagerName;
  /** Whether this manager reads the file at a repository-relative path. */
  matches(path: string): boolean;
  extract(file: SourceFile, config: RepoConfig): Extraction;
  replace(text: string, ref: DependencyRef, pin: Pin): string;
}
