import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_PATH, defaultConfig, formatConfigError, MAX_CONFIG_BYTES, parseRepoConfig, type RepoConfig } from '../core/config.js';
import { extractReferences, selectFiles, type Extracted } from '../core/plan.js';
import { isShellShebang, mayBeScript, selectLintFiles } from '../core/lint/index.js';
import { managers } from '../core/managers/index.js';
import type { Manager } from '../core/managers/manager.js';
import type { ManagerName, SourceFile } from '../core/reference.js';
import { listFiles, readRepoFile, readSourceFiles, symlinkProblem } from './local-repo.js';

/** A usage or config error: the CLI exits 2 with this sentence. */
export class UsageError extends Error {}

export interface LocalScan extends Extracted {
  root: string;
  config: RepoConfig;
  files: SourceFile[];
  /** Every file under the root (what the managers and the rules choose from). */
  paths: string[];
}

export async function loadConfig(root: string): Promise<RepoConfig> {
  // The config is read like every repository file: a regular file inside the tree, size-capped.
  const read = await readRepoFile(root, CONFIG_PATH, MAX_CONFIG_BYTES);
  if ('problem' in read) {
    if (read.problem === null) return defaultConfig;
    throw new UsageError(`invalid config: ${CONFIG_PATH} ${read.problem}`);
  }
  const text = read.bytes.toString('utf8');
  const parsed = parseRepoConfig(text, CONFIG_PATH);
  if ('errors' in parsed) throw new UsageError(`invalid config:\n${parsed.errors.map((e) => `  ${formatConfigError(e)}`).join('\n')}`);
  return parsed.config;
}

/** The read half of every command: config, files, references. No network. */
export async function scanDirectory(root: string, only: ManagerName[] | null): Promise<LocalScan> {
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${root} is not a directory`);
  const config = await loadConfig(root);
  const enabled: readonly Manager[] = only ? managers.filter((m) => only.includes(m.name)) : managers;
  const links: string[] = [];
  const paths = await listFiles(root, links);
  const readers = selectFiles(paths, enabled, config);
  const { files, problems: readProblems } = await readSourceFiles(root, [...readers.keys()]);
  // A build file that is a link out of the tree is named, never read (`readRepoFile`).
  for (const link of selectFiles(links, enabled, config).keys()) {
    const problem = await symlinkProblem(root, link);
    if (problem) readProblems.push(problem);
  }
  const extracted = extractReferences(files, readers, config);
  return { root, config, files, paths, refs: extracted.refs, problems: [...readProblems, ...extracted.problems] };
}

/**
 * The files the reproducibility rules read: those the scan read, plus scripts and build files
 * no enabled manager reads. A file with no extension is read only when its first line is a
 * shell `#!`; one that is not UTF-8 text is not a script and is passed over.
 */
export async function readLintFiles(scan: LocalScan): Promise<SourceFile[]> {
  const have = new Set(scan.files.map((f) => f.path));
  const wanted = selectLintFiles(scan.paths, scan.config).filter((path) => !have.has(path));
  const extra: string[] = [];
  for (const path of wanted) {
    if (!mayBeScript(path) || isShellShebang(await firstBytes(join(scan.root, path)))) extra.push(path);
  }
  const { files } = await readSourceFiles(scan.root, extra);
  return [...scan.files, ...files];
}

/** The start of a file, enough for a `#!` line; empty when it cannot be opened (it is then no script of ours). */
async function firstBytes(path: string): Promise<string> {
  // O_NONBLOCK: a FIFO named like a script must not hang the scan.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return '';
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}
