import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_PATH, defaultConfig, formatConfigError, parseRepoConfig, type RepoConfig } from '../core/config.js';
import { extractReferences, selectFiles, type Extracted } from '../core/plan.js';
import { managers } from '../core/managers/index.js';
import type { Manager } from '../core/managers/manager.js';
import type { ManagerName, SourceFile } from '../core/reference.js';
import { listFiles, readSourceFiles } from './local-repo.js';

/** A usage or config error: the CLI exits 2 with this sentence. */
export class UsageError extends Error {}

export interface LocalScan extends Extracted {
  root: string;
  config: RepoConfig;
  files: SourceFile[];
}

export async function loadConfig(root: string): Promise<RepoConfig> {
  const path = join(root, CONFIG_PATH);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig;
    throw new UsageError(`${CONFIG_PATH}: cannot be read: ${(error as Error).message}`);
  }
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
  const readers = selectFiles(await listFiles(root), enabled, config);
  const { files, problems: readProblems } = await readSourceFiles(root, [...readers.keys()]);
  const extracted = extractReferences(files, readers, config);
  return { root, config, files, refs: extracted.refs, problems: [...readProblems, ...extracted.problems] };
}
