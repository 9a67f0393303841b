import picomatch from 'picomatch';
import type { RepoConfig } from './config.js';
import type { Datasources, LookupResult } from './datasources/datasource.js';
import { isImageRefError, parseImageRef } from './image-ref.js';
import { isPinCurrent, type FileChange, type Manager, type PinEdit } from './managers/manager.js';
import type { DependencyRef, ManagerName, Problem, SourceFile } from './reference.js';

/**
 * The pipeline shared by the CLI and the App, one pure step per function except `resolvePins`,
 * the only one that talks to the network (through the datasources it is given):
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
  // Companions are read (and may be written) but extracted by no manager of their own: the
  // empty reader list says so, unless a manager also reads them as files in their own right.
  const present = new Set(paths);
  for (const [path, readers] of [...selected]) {
    for (const companion of readers.flatMap((m) => m.companions?.(path) ?? [])) {
      if (present.has(companion) && !ignored(companion) && !selected.has(companion)) selected.set(companion, []);
    }
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
  const texts = new Map(files.map((f) => [f.path, f.text]));
  for (const file of files) {
    for (const manager of readers.get(file.path) ?? []) {
      const companions = new Map((manager.companions?.(file.path) ?? []).flatMap((path) => (texts.has(path) ? [[path, texts.get(path)!] as const] : [])));
      const extraction = manager.extract(file, config, companions);
      // One push per item: `push(...spread)` of 200k references overflows the stack.
      for (const ref of extraction.refs) if (!isIgnored(ref, config)) refs.push(ref);
      for (const item of extraction.problems) problems.push(item);
    }
  }
  // A companion read by several files (one .env beside compose.yaml and its override) reports
  // its bad lines through each of them; the user needs to hear of each once.
  const said = new Set<string>();
  return { refs, problems: problems.filter((p) => !said.has(JSON.stringify(p)) && said.add(JSON.stringify(p))) };
}

/** `ignoreDeps` names a dependency as written or, for images, fully qualified (`docker.io/library/python`). */
function isIgnored(ref: DependencyRef, config: RepoConfig): boolean {
  if (config.ignoreDeps.length === 0) return false;
  if (config.ignoreDeps.includes(ref.name)) return true;
  if (ref.datasource !== 'docker') return false;
  const parsed = parseImageRef(ref.name);
  return !isImageRefError(parsed) && config.ignoreDeps.includes(`${parsed.registry}/${parsed.repository}`);
}

/** A planned lookup: the first reference that needs it stands for all that share its key. */
export interface Lookup {
  key: string;
  ref: DependencyRef;
}

/**
 * The lookup a reference needs, or null when it is skipped, has nowhere to write, is fully
 * pinned, or belongs to a manager that resolves whole files.
 */
function lookupFor(ref: DependencyRef, datasources: Datasources, managersByName: Map<ManagerName, Manager>): Lookup | null {
  if (ref.skipped !== null || ref.site === undefined) return null;
  if (managersByName.get(ref.manager)?.resolveFile) return null;
  const key = datasources[ref.datasource]?.lookupKey(ref);
  return key ? { key: `${ref.datasource}:${key}`, ref } : null;
}

/** One lookup per distinct key (for images: registry, repository, tag), however many files mention it. */
export function planLookups(refs: DependencyRef[], datasources: Datasources, managersByName: Map<ManagerName, Manager>): Map<string, Lookup> {
  const lookups = new Map<string, Lookup>();
  for (const ref of refs) {
    const lookup = lookupFor(ref, datasources, managersByName);
    if (lookup && !lookups.has(lookup.key)) lookups.set(lookup.key, lookup);
  }
  return lookups;
}

export type Progress = (done: number, total: number) => void;

export async function resolvePins(lookups: Map<string, Lookup>, datasources: Datasources, onProgress?: Progress): Promise<Map<string, LookupResult>> {
  const results = new Map<string, LookupResult>();
  let done = 0;
  await Promise.all(
    [...lookups.values()].map(async ({ key, ref }) => {
      const datasource = datasources[ref.datasource];
      results.set(key, datasource ? await datasource.resolve(ref) : { ok: false, message: `no ${ref.datasource} datasource is configured` });
      onProgress?.(++done, lookups.size);
    }),
  );
  return results;
}

/**
 * A pin written (or to be written) into a file: `value` is the tag or version it was resolved
 * from, `from` what the reference carried before (digest, SHA or version) or null.
 */
export type PinChange = FileChange;

export interface PinPlan {
  /** New text of every file that changes. */
  files: Map<string, string>;
  changes: PinChange[];
  /** References that already carry what the lookup answered. */
  current: DependencyRef[];
  /** Lookup failures, each naming file, line and dependency. */
  problems: Problem[];
  skipped: DependencyRef[];
}

function describeRef(ref: DependencyRef): string {
  return ref.value === null ? ref.name : `${ref.name}:${ref.value}`;
}

/**
 * Computes every edit from the lookups. Edits in one file are applied from the end backwards
 * so earlier spans stay valid; two references sharing one site (two FROMs using one ARG
 * default) write it once.
 */
export function computeEdits(
  files: SourceFile[],
  refs: DependencyRef[],
  results: Map<string, LookupResult>,
  datasources: Datasources,
  managersByName: Map<ManagerName, Manager>,
): PinPlan {
  const plan: PinPlan = { files: new Map(), changes: [], current: [], problems: [], skipped: [] };
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const editsByFile = new Map<string, Map<number, PinEdit>>();
  for (const ref of refs) {
    if (ref.skipped !== null) {
      plan.skipped.push(ref);
      continue;
    }
    const lookup = lookupFor(ref, datasources, managersByName);
    const result = lookup ? results.get(lookup.key) : undefined;
    const manager = managersByName.get(ref.manager);
    if (!lookup || !result || !manager) continue;
    if (!result.ok) {
      plan.problems.push({ file: ref.file, line: ref.line, dependency: describeRef(ref), message: result.message });
      continue;
    }
    if (isPinCurrent(manager, ref, result.pin)) {
      plan.current.push(ref);
      continue;
    }
    const target = ref.site!.file ?? ref.file;
    const edits = editsByFile.get(target) ?? new Map();
    edits.set(ref.site!.span.start, { ref, pin: result.pin });
    editsByFile.set(target, edits);
    const { pin } = result;
    plan.changes.push({
      file: ref.file,
      line: ref.line,
      manager: ref.manager,
      name: ref.name,
      value: pin.tag ?? ref.value,
      from: pin.digest !== undefined ? ref.digest : ref.value,
      to: pin.digest ?? pin.version ?? '',
      ...(pin.note ? { note: pin.note } : {}),
    });
  }
  for (const [path, edits] of editsByFile) {
    let text = texts.get(path);
    if (text === undefined) continue;
    // Span edits of every manager go first, together, last span first: each span was recorded
    // against the original text, and nothing before it has moved yet. Managers that rewrite a
    // whole list at once (`replaceAll`) find their words again by structure, so they run after.
    const spanEdits = [...edits.values()].filter((edit) => !managersByName.get(edit.ref.manager)!.replaceAll);
    for (const { ref, pin } of spanEdits.sort((a, b) => b.ref.site!.span.start - a.ref.site!.span.start)) {
      text = managersByName.get(ref.manager)!.replace(text, ref, pin);
    }
    const listEdits = groupBy([...edits.values()].filter((edit) => managersByName.get(edit.ref.manager)!.replaceAll), (edit) => edit.ref.manager);
    for (const [name, managerEdits] of listEdits) text = managersByName.get(name)!.replaceAll!(text, managerEdits);
    plan.files.set(path, text);
  }
  return plan;
}

/**
 * Runs the whole plan: per-reference lookups (deduplicated) and whole-file resolutions, then the
 * edits. Two managers may write one file (a Dockerfile's images and its apk packages): their
 * edits never overlap, and file-level resolutions run on the text the per-reference edits left.
 */
export async function planPins(
  files: SourceFile[],
  refs: DependencyRef[],
  datasources: Datasources,
  managersByName: Map<ManagerName, Manager>,
  config: RepoConfig,
  onProgress?: Progress,
): Promise<PinPlan & { lookups: number }> {
  const lookups = planLookups(refs, datasources, managersByName);
  const results = await resolvePins(lookups, datasources, onProgress);
  const plan = computeEdits(files, refs, results, datasources, managersByName);
  const texts = new Map(files.map((f) => [f.path, plan.files.get(f.path) ?? f.text]));
  const byFile = groupBy(refs.filter((r) => managersByName.get(r.manager)?.resolveFile && r.skipped === null), (r) => `${r.manager}\0${r.file}`);
  // A file a whole-file manager reads is resolved even when it holds no reference to look up:
  // a requirements file made only of `-r` lines still has includes to check.
  for (const file of files) {
    for (const manager of managersByName.values()) {
      const key = `${manager.name}\0${file.path}`;
      if (manager.resolveFile && config.managers.includes(manager.name) && manager.matches(file.path) && !byFile.has(key)) byFile.set(key, []);
    }
  }
  for (const [key, fileRefs] of byFile) {
    const [name, path] = key.split('\0') as [ManagerName, string];
    const manager = managersByName.get(name)!;
    const resolution = await manager.resolveFile!({ path, text: texts.get(path) ?? '' }, fileRefs, { datasources, config, files: texts });
    for (const item of resolution.changes) plan.changes.push(item);
    for (const item of resolution.current) plan.current.push(item);
    for (const item of resolution.problems) plan.problems.push(item);
    if (resolution.text !== texts.get(path)) {
      texts.set(path, resolution.text);
      plan.files.set(path, resolution.text);
    }
  }
  return { ...plan, lookups: lookups.size };
}

// Map.groupBy arrives in Node 21; the engines field promises Node 20.
function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
