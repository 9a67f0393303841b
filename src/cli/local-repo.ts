import { randomBytes } from 'node:crypto';
import { chmod, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Problem, SourceFile } from '../core/reference.js';

/** Folders that never hold a build input of the repository itself. */
const skippedFolders = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** Every file under `root`, as `/`-separated paths relative to it, in a stable order. */
export async function listFiles(root: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        paths.push(relative(root, full).split(sep).join('/'));
      }
    }
  };
  await walk(root);
  return paths;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads files as UTF-8. A file that is not valid UTF-8 is reported and left alone: decoding it
 * lossily and writing it back would change bytes outside the pins.
 */
export async function readSourceFiles(root: string, paths: string[]): Promise<{ files: SourceFile[]; problems: Problem[] }> {
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    const bytes = await readFile(join(root, path));
    try {
      files.push({ path, text: utf8.decode(bytes) });
    } catch {
      problems.push({ file: path, line: 1, dependency: null, message: 'is not valid UTF-8 text, so it was neither read nor rewritten' });
    }
  }
  return { files, problems };
}

/**
 * Replaces a file's content atomically: write a sibling temp file, flush it, then rename over
 * the original, so a crash or a full disk never leaves a half-written file. The mode is kept.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const { mode } = await stat(path);
  const temp = join(dirname(path), `.${basename(path)}.repro-pins-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
