import { posix } from 'node:path';
import { isPythonIndexDatasource } from '../../datasources/python-index/index.js';
import { normalizeProjectName } from '../../datasources/python-index/distributions.js';
import type { PythonIndexClient } from '../../datasources/python-index/client.js';
import { lineAt, type DependencyRef, type Problem, type SourceFile } from '../../reference.js';
import type { FileChange, FileResolution, FileResolveContext } from '../manager.js';
import { linuxCpythonEnvironment } from './pep508.js';
import { isConstraintsPath, isRequirementsPath, parseRequirementsFile, type RequirementsFile } from './requirements-file.js';
import { exactVersion, resolveRequirements, type ConstraintRequirement, type ResolvedPackage, type RootRequirement } from './resolve.js';
import { entryStyle, fileStyle, findAddedBlock, formatAddedBlock, pinRequirement, type AddedRequirement, type RequirementEntry } from './write.js';

/**
 * The target interpreter when the config names none. The base image of the Dockerfile that
 * installs a requirements file would say it, but which Dockerfile (and which stage) installs
 * which file cannot be known statically, so config `python.version` decides.
 */
export const DEFAULT_PYTHON_VERSION = '3.12';

/**
 * Pins one requirements file as a whole: every requirement `==`-pinned with the hash of every
 * file of its version, and the transitive dependencies that pip --require-hashes needs written
 * in a block at the end. Files it includes are read from the run (`context.files`) and pinned in
 * their own right; their requirements only steer this file's resolution.
 */
export async function resolveRequirementsFile(file: SourceFile, refs: DependencyRef[], context: FileResolveContext): Promise<FileResolution> {
  const unchanged: FileResolution = { text: file.text, changes: [], current: [], problems: [] };
  const datasource = context.datasources['python-index'];
  if (!isPythonIndexDatasource(datasource)) {
    return { ...unchanged, problems: refs.map((ref) => ({ file: ref.file, line: ref.line, dependency: ref.name, message: 'no python-index datasource is configured' })) };
  }
  const index = datasource.index;
  const parsed = parseRequirementsFile(file.text);
  const foundBlock = findAddedBlock(file.text);
  // Everything below the header is regenerated, so a line someone wrote there would be lost: such
  // a block is left as it is (its lines pinned where they stand) and the problem says why.
  const handWritten =
    foundBlock === null
      ? undefined
      : parsed.entries.find(
          (e) => e.logical.span.start > foundBlock && (e.kind !== 'requirement' || exactVersion(e.requirement.specifier) === null || !e.hashes.some((h) => h.algorithm === 'sha256')),
        );
  const blockStart = handWritten ? null : foundBlock;
  const inBlock = (entry: RequirementEntry) => blockStart !== null && entry.logical.span.start > blockStart;
  // ignoreDeps applies before any lookup: an ignored line is neither pinned nor followed.
  const ignored = new Set(context.config.ignoreDeps.map(normalizeProjectName));
  const requirements = parsed.entries.filter((e): e is RequirementEntry => e.kind === 'requirement' && !ignored.has(normalizeProjectName(e.requirement.name)));
  const own = requirements.filter((e) => !inBlock(e));
  const added = requirements.filter(inBlock);

  const gathered = gatherIncludes(file.path, parsed, context.files);
  // Nothing to look up (every line skipped, or a file of only includes): the includes are still checked.
  if (refs.length === 0) return { ...unchanged, problems: gathered.problems };
  if (gathered.indexUrl === null && gathered.extraIndexUrls.length === 0) Object.assign(gathered, indexOptionsOfIncluders(file.path, context.files));
  const problems: Problem[] = [...gathered.problems];
  if (handWritten) {
    problems.push({
      file: file.path,
      line: handWritten.logical.line,
      dependency: handWritten.kind === 'requirement' ? handWritten.requirement.name : null,
      message: 'this line was written below the block of added dependencies, which repro-pins regenerates: move it above the block header; the added dependencies were not updated',
    });
  }
  const selection = {
    indexUrls: [gathered.indexUrl ?? index.defaultIndexes[0]!, ...index.defaultIndexes.slice(1), ...gathered.extraIndexUrls],
    trustedHosts: gathered.trustedHosts,
  };

  const toRoot = (path: string, entry: RequirementEntry): RootRequirement => ({
    name: entry.requirement.name,
    extras: entry.requirement.extras,
    specifier: entry.requirement.specifier,
    marker: entry.requirement.marker,
    source: { file: path, line: entry.logical.line },
    existingHashes: entry.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.hex),
  });
  const included = gathered.included.filter(({ entry }) => !ignored.has(normalizeProjectName(entry.requirement.name)));
  const roots = [...own.map((e) => toRoot(file.path, e)), ...included.map(({ path, entry }) => toRoot(path, entry))];
  const pythonVersion = context.config.python?.version ?? DEFAULT_PYTHON_VERSION;
  const resolution = await resolveRequirements({
    roots,
    constraints: gathered.constraints,
    preferences: new Map(added.flatMap((e) => {
      const version = exactVersion(e.requirement.specifier);
      return version === null ? [] : [[normalizeProjectName(e.requirement.name), version] as const];
    })),
    target: { pythonVersion },
    environment: linuxCpythonEnvironment(pythonVersion),
    selection,
    index,
    transitive: !isConstraintsPath(file.path),
    ignored,
  });
  // Problems that start in an included file are that file's to report, when it is pinned itself.
  for (const problem of resolution.problems) if (problem.file === file.path) problems.push(problem);

  const hashes = await hashesOf([...resolution.packages.values(), ...resolution.roots.filter((r): r is ResolvedPackage => r !== null)], index, problems);
  const fileLineStyle = fileStyle(parsed);
  const changes: FileChange[] = [];
  const current: DependencyRef[] = [];
  const refAt = (line: number) => refs.find((r) => r.line === line);
  const edits: { start: number; end: number; replacement: string }[] = [];

  own.forEach((entry, i) => {
    // Only the lines this call was asked to pin are written (the App pins new and refreshed lines in separate PRs).
    if (!refAt(entry.logical.line)) return;
    const resolved = resolution.roots[i];
    const sha256 = resolved ? hashes.get(fileKey(resolved)) : undefined;
    if (!resolved || !sha256) return;
    const outcome = pinEntry(file, entry, resolved, sha256, problems);
    const ref = refAt(entry.logical.line);
    if (outcome === 'current' || outcome === 'kept') {
      if (outcome === 'current' && ref) current.push(ref);
      return;
    }
    const edit = pinRequirement(file.text, entry, outcome, entryStyle(entry, fileLineStyle));
    edits.push({ ...edit.span, replacement: edit.replacement });
    const exact = exactVersion(entry.requirement.specifier);
    const yanked = resolved.files.every((f) => f.yanked !== null) ? `; version ${resolved.version} is yanked${resolved.files[0]?.yanked ? ` (${resolved.files[0].yanked})` : ''}` : '';
    changes.push({
      file: file.path,
      line: entry.logical.line,
      manager: 'pip',
      name: entry.requirement.name,
      value: resolved.version,
      from: exact ?? (entry.requirement.specifier || null),
      to: resolved.version,
      note: `${describeHashChange(entry, sha256)}${yanked}`,
    });
  });

  let text = file.text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.replacement + text.slice(edit.end);

  // The added block: what the file's own requirements need that neither it nor its includes declare.
  if (!isConstraintsPath(file.path) && !handWritten) {
    const block = addedBlock(file, resolution.packages, roots, resolution.active, own.length, hashes, added, problems);
    const editedBlockStart = blockStart === null ? null : blockStart + (text.length - file.text.length);
    const head = editedBlockStart === null ? text : text.slice(0, editedBlockStart);
    const oldBlock = editedBlockStart === null ? '' : text.slice(editedBlockStart);
    const newBlock = block.entries.length > 0 ? formatAddedBlock(block.entries, fileLineStyle) : '';
    if (newBlock !== oldBlock) {
      const separator = editedBlockStart !== null || newBlock === '' ? '' : `${head === '' || head.endsWith('\n') ? '' : fileLineStyle.eol}${head === '' ? '' : fileLineStyle.eol}`;
      const trimmedHead = newBlock === '' && editedBlockStart !== null ? head.replace(/(\r?\n)\r?\n$/, '$1') : head;
      text = trimmedHead + separator + newBlock;
      const blockOffset = trimmedHead.length + separator.length;
      for (const change of blockChanges(file.path, block, added, text, blockOffset, refs)) changes.push(change);
    }
    for (const entry of block.entries) {
      const existing = added.find((e) => normalizeProjectName(e.requirement.name) === normalizeProjectName(entry.name));
      const ref = existing && refAt(existing.logical.line);
      if (ref && newBlock === oldBlock) current.push(ref);
    }
  }
  return { text, changes, current, problems };
}

type PinOutcome = 'current' | 'kept' | { version: string | null; sha256: string[] };

/** What one line becomes: unchanged, kept because a hash went stale, or pinned. */
function pinEntry(file: SourceFile, entry: RequirementEntry, resolved: ResolvedPackage, sha256: string[], problems: Problem[]): PinOutcome {
  const existing = entry.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.hex);
  const served = new Set(sha256);
  const stale = existing.filter((hex) => !served.has(hex));
  if (stale.length > 0) {
    // Never replaced silently: a file that changed under a pinned hash is what hashes exist to catch.
    problems.push({
      file: file.path,
      line: entry.logical.line,
      dependency: entry.requirement.name,
      message:
        `--hash=sha256:${stale[0]}${stale.length > 1 ? ` (and ${stale.length - 1} more)` : ''} matches no file the index serves for ${entry.requirement.name} ${resolved.version}; ` +
        'the line is left as it is: find out why the file changed, then delete the stale hash and pin again',
    });
    return 'kept';
  }
  const exact = exactVersion(entry.requirement.specifier);
  const versionCurrent = exact !== null;
  const hashesCurrent = existing.length === served.size && existing.every((hex) => served.has(hex));
  if (versionCurrent && hashesCurrent) return 'current';
  return { version: versionCurrent ? null : resolved.version, sha256 };
}

function describeHashChange(entry: RequirementEntry, sha256: string[]): string {
  const existing = new Set(entry.hashes.map((h) => h.hex));
  const missing = sha256.filter((hex) => !existing.has(hex)).length;
  return missing === sha256.length ? `${sha256.length} file hash${sha256.length === 1 ? '' : 'es'}` : `${missing} file hash${missing === 1 ? '' : 'es'} added`;
}

interface Block {
  entries: AddedRequirement[];
}

function addedBlock(
  file: SourceFile,
  packages: Map<string, ResolvedPackage>,
  roots: RootRequirement[],
  active: boolean[],
  ownCount: number,
  hashes: Map<string, string[]>,
  added: RequirementEntry[],
  problems: Problem[],
): Block {
  const declared = new Set(roots.filter((_, i) => active[i]).map((r) => normalizeProjectName(r.name)));
  // What included files' requirements reach is added to those files by their own pinning.
  const fromIncludes = reach(packages, roots.slice(ownCount).filter((_, i) => active[ownCount + i]).map((r) => normalizeProjectName(r.name)));
  const fromOwn = reach(packages, roots.slice(0, ownCount).filter((_, i) => active[i]).map((r) => normalizeProjectName(r.name)));
  const entries: AddedRequirement[] = [];
  for (const key of fromOwn) {
    if (declared.has(key) || fromIncludes.has(key)) continue;
    const pkg = packages.get(key)!;
    const sha256 = hashes.get(fileKey(pkg));
    if (!sha256) continue;
    const via = [...pkg.requiredBy].map((k) => packages.get(k)?.name ?? k).sort();
    const existing = added.find((e) => normalizeProjectName(e.requirement.name) === key);
    let keptText: string | undefined;
    if (existing) {
      const outcome = pinEntry(file, existing, pkg, sha256, problems);
      if (outcome === 'kept') keptText = file.text.slice(existing.requirementSpan.start, existing.logical.span.end);
    }
    entries.push({ name: existing?.requirement.name ?? normalizeProjectName(pkg.name), version: pkg.version, sha256, via, ...(keptText !== undefined ? { keptText } : {}) });
  }
  return { entries: entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

function reach(packages: Map<string, ResolvedPackage>, starts: string[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const [key, pkg] of packages) for (const parent of pkg.requiredBy) children.set(parent, [...(children.get(parent) ?? []), key]);
  const seen = new Set<string>();
  const pending = starts.filter((s) => packages.has(s));
  while (pending.length > 0) {
    const key = pending.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    pending.push(...(children.get(key) ?? []));
  }
  return seen;
}

function blockChanges(path: string, block: Block, before: RequirementEntry[], text: string, blockOffset: number, refs: DependencyRef[]): FileChange[] {
  const changes: FileChange[] = [];
  const previous = new Map(before.map((e) => [normalizeProjectName(e.requirement.name), e]));
  for (const entry of block.entries) {
    const key = normalizeProjectName(entry.name);
    const old = previous.get(key);
    previous.delete(key);
    const oldVersion = old ? exactVersion(old.requirement.specifier) : null;
    if (old && oldVersion === entry.version && (entry.keptText !== undefined || sameHashes(old, entry.sha256))) continue;
    const at = text.indexOf(`${entry.name}==${entry.version}`, blockOffset);
    const via = entry.via.length > 0 ? `needed by ${entry.via.join(', ')}` : 'needed';
    changes.push({
      file: path,
      line: lineAt(text, at === -1 ? blockOffset : at),
      manager: 'pip',
      name: entry.name,
      value: entry.version,
      from: oldVersion,
      to: entry.version,
      note: !old ? `added: ${via}` : oldVersion === entry.version ? 'hashes refreshed' : `moved: ${via}`,
    });
  }
  for (const old of previous.values()) {
    const ref = refs.find((r) => r.line === old.logical.line);
    changes.push({ file: path, line: old.logical.line, manager: 'pip', name: old.requirement.name, value: ref?.value ?? null, from: exactVersion(old.requirement.specifier), to: '', note: 'removed: nothing needs it any more' });
  }
  return changes;
}

function sameHashes(entry: RequirementEntry, sha256: string[]): boolean {
  const existing = entry.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.hex);
  return existing.length === sha256.length && sha256.every((hex) => existing.includes(hex));
}

function fileKey(pkg: ResolvedPackage): string {
  return `${pkg.key}==${pkg.version}`;
}

/** Every file's sha256 for each package version (downloaded and hashed where the index gives none). */
async function hashesOf(packages: ResolvedPackage[], index: PythonIndexClient, problems: Problem[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  await Promise.all(
    packages.map(async (pkg) => {
      const key = fileKey(pkg);
      if (result.has(key)) return;
      result.set(key, []);
      const lookups = await Promise.all(pkg.files.map((f) => index.fileSha256(f)));
      const failure = lookups.find((l) => !l.ok);
      if (failure && !failure.ok) {
        result.delete(key);
        problems.push({ ...pkg.source, dependency: pkg.name, message: failure.message });
        return;
      }
      result.set(key, [...new Set(lookups.map((l) => (l.ok ? l.sha256 : '')))].sort());
    }),
  );
  return result;
}

interface Gathered {
  included: { path: string; entry: RequirementEntry }[];
  /** Every file reached through -r or -c. */
  includedFiles: Set<string>;
  constraints: ConstraintRequirement[];
  indexUrl: string | null;
  extraIndexUrls: string[];
  trustedHosts: string[];
  problems: Problem[];
}

/**
 * Follows `-r` and `-c` (relative to the including file, as pip resolves them) through the
 * files the run read. Index options anywhere in the tree apply, as pip applies them.
 */
function gatherIncludes(path: string, parsed: RequirementsFile, files: ReadonlyMap<string, string>): Gathered {
  const gathered: Gathered = { included: [], includedFiles: new Set(), constraints: [], indexUrl: null, extraIndexUrls: [], trustedHosts: [], problems: [] };
  const visited = new Set<string>([path]);
  const walk = (at: string, content: RequirementsFile, mode: 'requirement' | 'constraint', top: boolean) => {
    for (const entry of content.entries) {
      if (entry.kind === 'index-url') {
        if (entry.extra) gathered.extraIndexUrls.push(entry.url);
        else if (top || gathered.indexUrl === null) gathered.indexUrl = entry.url;
      } else if (entry.kind === 'trusted-host') {
        gathered.trustedHosts.push(entry.host);
      } else if (entry.kind === 'requirement' && !top) {
        if (mode === 'requirement') gathered.included.push({ path: at, entry });
        else gathered.constraints.push({ name: entry.requirement.name, specifier: entry.requirement.specifier, marker: entry.requirement.marker, source: { file: at, line: entry.logical.line } });
      } else if (entry.kind === 'include') {
        const target = includedPath(at, entry.path);
        const problem = (message: string) => top && gathered.problems.push({ file: at, line: entry.logical.line, dependency: null, message });
        if (typeof target !== 'string') {
          problem(target.message);
          continue;
        }
        if (visited.has(target)) continue;
        visited.add(target);
        gathered.includedFiles.add(target);
        const text = files.get(target);
        if (text === undefined) {
          problem(
            `${entry.mode === 'requirement' ? '-r' : '-c'} ${entry.path}: ${target} is not among the files read ` +
              '(it is missing, under ignorePaths, or not named requirements*.txt, constraints*.txt or requirements/*.txt), so its requirements are not pinned',
          );
          continue;
        }
        walk(target, parseRequirementsFile(text), mode === 'constraint' ? 'constraint' : entry.mode, false);
      }
    }
  };
  walk(path, parsed, 'requirement', true);
  return gathered;
}

/**
 * A file that names no index installs from the one its includer names (pip applies options of
 * the whole tree), so an included file pinned on its own looks where its includer would.
 */
function indexOptionsOfIncluders(path: string, files: ReadonlyMap<string, string>): Pick<Gathered, 'indexUrl' | 'extraIndexUrls' | 'trustedHosts'> {
  for (const [other, text] of files) {
    if (other === path || !isRequirementsPath(other)) continue;
    const parsed = parseRequirementsFile(text);
    const gathered = gatherIncludes(other, parsed, files);
    const includes = gathered.includedFiles.has(path);
    if (includes && (gathered.indexUrl !== null || gathered.extraIndexUrls.length > 0)) {
      return { indexUrl: gathered.indexUrl, extraIndexUrls: gathered.extraIndexUrls, trustedHosts: gathered.trustedHosts };
    }
  }
  return { indexUrl: null, extraIndexUrls: [], trustedHosts: [] };
}

function includedPath(from: string, target: string): string | { message: string } {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) return { message: `${target} is a remote include, which is not followed` };
  if (target.startsWith('/')) return { message: `${target} is an absolute path outside the repository, which is not followed` };
  const joined = posix.normalize(posix.join(posix.dirname(from), target));
  if (joined.startsWith('../') || joined === '..') return { message: `${target} points outside the repository, which is not followed` };
  return joined;
}
