import picomatch from 'picomatch';
import type { RepoConfig } from './config.js';
import type { DigestLookup, ImageDigestResolver } from './datasources/datasource.js';
import { effectiveTag, isImageRefError, lookupKey, parseImageRef, type ImageRef } from './image-ref.js';
import type { Manager } from './managers/manager.js';
import type { DependencyRef, ManagerName, Problem, SourceFile } from './reference.js';

/**
 * The pipeline shared by the CLI and the App, one pure step per function except `resolvePins`,
 * the only one that talks to the network (through the resolver it is given):
 * select files -> extract references -> plan lookups -> resolve -> compute edits.
 */

/** Which files each enabled manager reads, after `ignorePaths`. */
export function selectFiles(paths: string[], managers: readonly Manager[], config: RepoConfig): Map<string, Manager[]> {
  const ignored = picomatch(config.ignorePaths.length > 0 ? config.ignorePaths : ['\0'], { dot: true });
  const selected = new Map<string, Manager[]>();
  for (const path of paths) {
    if (ignored(path)) continue;
    const readers = managers.filter((m) => config.managers.includes(m.name) && m.matches(path));
    if (readers.length > 0) selected.set(path, readers);
  }
  return selected;
}

export interface Extracted {
  refs: DependencyRef[];
  problems: Problem[];
}

export function extractReferences(files: SourceFile[], readers: Map<string, Manager[]>, config: RepoConfig): Extracted {
  const refs: DependencyRef[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    for (const manager of readers.get(file.path) ?? []) {
      const extraction = manager.extract(file, config);
      refs.push(...extraction.refs.filter((ref) => !isIgnored(ref, config)));
      problems.push(...extraction.problems);
    }
  }
  return { refs, problems };
}

/** `ignoreDeps` names a dependency as written or fully qualified (`python` or `docker.io/library/python`). */
function isIgnored(ref: DependencyRef, config: RepoConfig): boolean {
  if (config.ignoreDeps.length === 0) return false;
  const parsed = parseImageRef(ref.name);
  const qualified = isImageRefError(parsed) ? ref.name : `${parsed.registry}/${parsed.repository}`;
  return config.ignoreDeps.some((dep) => dep === ref.name || dep === qualified);
}

/** A reference that can take a pin: not skipped, has a place to write it, and has a tag to resolve. */
function isPinnable(ref: DependencyRef): boolean {
  return ref.skipped === null && ref.site !== undefined && !(ref.digest !== null && ref.value === null);
}

function imageOf(ref: DependencyRef): ImageRef | null {
  const parsed = parseImageRef(ref.value === null ? ref.name : `${ref.name}:${ref.value}`);
  return isImageRefError(parsed) ? null : parsed;
}

/** One lookup per distinct (registry, repository, tag), however many files mention it. */
export function planLookups(refs: DependencyRef[]): Map<string, ImageRef> {
  const lookups = new Map<string, ImageRef>();
  for (const ref of refs) {
    if (!isPinnable(ref)) continue;
    const image = imageOf(ref);
    if (image) lookups.set(lookupKey(image), image);
  }
  return lookups;
}

export type Progress = (done: number, total: number) => void;

export async function resolvePins(lookups: Map<string, ImageRef>, resolver: ImageDigestResolver, onProgress?: Progress): Promise<Map<string, DigestLookup>> {
  const results = new Map<string, DigestLookup>();
  let done = 0;
  await Promise.all(
    [...lookups].map(async ([key, image]) => {
      results.set(key, await resolver.resolveDigest(image));
      onProgress?.(++done, lookups.size);
    }),
  );
  return results;
}

/** A pin written (or to be written) into a file. */
export interface PinChange {
  file: string;
  line: number;
  manager: ManagerName;
  name: string;
  value: string;
  from: string | null;
  to: string;
}

export interface PinPlan {
  /** New text of every file that changes. */
  files: Map<string, string>;
  changes: PinChange[];
  /** References that are already pinned to the digest the registry serves. */
  current: DependencyRef[];
  /** Lookup failures and skipped references, each naming file, line and dependency. */
  problems: Problem[];
  skipped: DependencyRef[];
}

/**
 * Computes every edit from the lookups. Edits in one file are applied from the end backwards
 * so earlier spans stay valid; two references sharing one site (two FROMs using one ARG
 * default) write it once.
 */
export function computeEdits(files: SourceFile[], refs: DependencyRef[], results: Map<string, DigestLookup>, managersByName: Map<ManagerName, Manager>): PinPlan {
  const plan: PinPlan = { files: new Map(), changes: [], current: [], problems: [], skipped: [] };
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const editsByFile = new Map<string, { ref: DependencyRef; digest: string }[]>();
  for (const ref of refs) {
    if (!isPinnable(ref)) {
      if (ref.skipped !== null) plan.skipped.push(ref);
      continue;
    }
    const image = imageOf(ref);
    const result = image ? results.get(lookupKey(image)) : undefined;
    if (!image || !result) continue;
    if (!result.ok) {
      plan.problems.push({ file: ref.file, line: ref.line, dependency: `${ref.name}:${effectiveTag(image)}`, message: result.message });
      continue;
    }
    if (ref.digest === result.digest) {
      plan.current.push(ref);
      continue;
    }
    const edits = editsByFile.get(ref.file) ?? [];
    edits.push({ ref, digest: result.digest });
    editsByFile.set(ref.file, edits);
    plan.changes.push({ file: ref.file, line: ref.line, manager: ref.manager, name: ref.name, value: effectiveTag(image), from: ref.digest, to: result.digest });
  }
  for (const [path, edits] of editsByFile) {
    let text = texts.get(path);
    if (text === undefined) continue;
    const bySite = new Map(edits.map((e) => [e.ref.site!.span.start, e]));
    for (const edit of [...bySite.values()].sort((a, b) => b.ref.site!.span.start - a.ref.site!.span.start)) {
      text = managersByName.get(edit.ref.manager)!.replace(text, edit.ref, { digest: edit.digest });
    }
    plan.files.set(path, text);
  }
  return plan;
}
