import type { DependencyRef, Extraction, ManagerName, Pin, Problem, SourceFile } from '../reference.js';
import type { RepoConfig } from '../config.js';
import type { Datasources } from '../datasources/datasource.js';

/**
 * A file kind. `extract` finds references with the exact span a pin is written to; `replace`
 * writes one pin and changes no other byte. Both are pure.
 */
export interface Manager {
  name: ManagerName;
  /** Whether this manager reads the file at a repository-relative path. */
  matches(path: string): boolean;
  /**
   * Other files whose text the extraction of `path` reads, when they exist (compose reads the
   * `.env` beside the compose file for `${VAR}`). They are read with the file and handed to
   * `extract` as `companions`; a pin may be written into them through `site.file`.
   */
  companions?(path: string): string[];
  extract(file: SourceFile, config: RepoConfig, companions?: ReadonlyMap<string, string>): Extraction;
  replace(text: string, ref: DependencyRef, pin: Pin): string;
  /** Whether a reference already says what the pin says; by default its digest and version are compared. */
  isCurrent?(ref: DependencyRef, pin: Pin): boolean;
  /**
   * Writes all of a file's pins at once, for managers whose edits interact (a package list that
   * is pinned and sorted in one go). It runs after every other manager's span edits to the file,
   * so it must find its words again in the text it is given, not by the spans it recorded.
   * By default each pin goes through `replace`, last span first.
   */
  replaceAll?(text: string, edits: PinEdit[]): string;
  /**
   * Resolves a whole file at once, for managers whose pins depend on each other (pip adds the
   * transitive dependencies a requirements file lacks). Such a manager's references skip the
   * per-reference lookups.
   */
  resolveFile?(file: SourceFile, refs: DependencyRef[], context: FileResolveContext): Promise<FileResolution>;
}

export interface PinEdit {
  ref: DependencyRef;
  pin: Pin;
}

export interface FileResolveContext {
  datasources: Datasources;
  config: RepoConfig;
  /** Every file the run read, by path: for includes such as `-r other.txt`. */
  files: ReadonlyMap<string, string>;
}

/** A file-level resolution: the new text (unchanged when nothing moved) and what changed. */
export interface FileResolution {
  text: string;
  changes: FileChange[];
  current: DependencyRef[];
  problems: Problem[];
}

/** One change a file-level resolution made; the same shape the planner reports for every pin. */
export interface FileChange {
  file: string;
  line: number;
  manager: ManagerName;
  name: string;
  value: string | null;
  from: string | null;
  to: string;
  note?: string;
}

export function isPinCurrent(manager: Manager, ref: DependencyRef, pin: Pin): boolean {
  if (manager.isCurrent) return manager.isCurrent(ref, pin);
  return (pin.digest === undefined || pin.digest === ref.digest) && (pin.version === undefined || pin.version === ref.value);
}
