import type { DependencyRef, Extraction, ManagerName, Pin, SourceFile } from '../reference.js';
import type { RepoConfig } from '../config.js';

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
  /** Whether a reference already says what the pin says; by default its digest and version are compared. */
  isCurrent?(ref: DependencyRef, pin: Pin): boolean;
}

export function isPinCurrent(manager: Manager, ref: DependencyRef, pin: Pin): boolean {
  if (manager.isCurrent) return manager.isCurrent(ref, pin);
  return (pin.digest === undefined || pin.digest === ref.digest) && (pin.version === undefined || pin.version === ref.value);
}
