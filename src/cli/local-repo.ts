import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { chmod, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Problem, SourceFile } from '../core/reference.js';

/** Folders that never hold a build input of the repository itself. */
const skippedFolders = new Set(['.git', 'node_modules', '.hg', '.svn']);

/**
 * Every regular file under `root`, as `/`-separated paths relative to it, in a stable order.
 * Symbolic links are not followed: they go to `links`, when given (see `symlinkProblem`).
 */
export async function listFiles(root: string, links?: string[]): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        paths.push(relative(root, full).split(sep).join('/'));
      } else if (entry.isSymbolicLink()) {
        links?.push(relative(root, full).split(sep).join('/'));
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
    const read = await readRepoFile(root, path, MAX_SOURCE_BYTES);
    if ('problem' in read) {
      if (read.problem !== null) problems.push({ file: path, line: 1, dependency: null, message: `${read.problem}, so it was neither read nor rewritten` });
      continue;
    }
    const { bytes } = read;
    try {
      files.push({ path, text: utf8.decode(bytes) });
    } catch {
      problems.push({ file: path, line: 1, dependency: null, message: 'is not valid UTF-8 text, so it was neither read nor rewritten' });
    }
  }
  return { files, problems };
}

/** The largest build file read: far above any real Dockerfile or requirements file, far below what the parsers and memory take. */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

/** The real path of a repository path, refused when it (through a symlink) lies outside the tree. */
async function resolveInsideTree(root: string, path: string): Promise<{ real: string } | { problem: string | null }> {
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(join(root, path)), realpath(root)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { problem: null };
    return { problem: `cannot be read: ${(error as Error).message}` };
  }
  const inside = relative(realRoot, real);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith(sep)) {
    return { problem: `is a symbolic link to ${real}, outside the repository` };
  }
  return { real };
}

/**
 * Why a symlinked build file is passed over, or null when it points inside the tree (its target
 * is read under its own path; pinning through the link would replace it with a regular file).
 */
export async function symlinkProblem(root: string, path: string): Promise<Problem | null> {
  const resolved = await resolveInsideTree(root, path);
  if (!('problem' in resolved) || resolved.problem === null) return null;
  return { file: path, line: 1, dependency: null, message: `${resolved.problem}, so it was neither read nor rewritten` };
}

/**
 * Reads one file of the repository as untrusted input: it must resolve to a regular file inside
 * the tree (a symlink to `/etc/shadow` is refused, not read), a FIFO or a device is never opened
 * for a blocking read (O_NONBLOCK, then fstat), and it is at most `maxBytes` long. A missing
 * file gives `{ problem: null }`; any other refusal the rest of a sentence that starts with the path.
 */
export async function readRepoFile(root: string, path: string, maxBytes: number): Promise<{ bytes: Buffer } | { problem: string | null }> {
  const resolved = await resolveInsideTree(root, path);
  if ('problem' in resolved) return resolved;
  const { real } = resolved;
  // O_NOFOLLOW: `real` has no links left, so a link swapped in after realpath is refused, not followed.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch((error: Error) => error);
  if (handle instanceof Error) return { problem: `cannot be read: ${handle.message}` };
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { problem: `is not a regular file (a FIFO, a device or a socket)` };
    if (info.size > maxBytes) return { problem: `is ${info.size} bytes, more than the ${maxBytes} bytes a file may have here` };
    // Room for one byte more than fstat said: a file that grew meanwhile is refused, never truncated.
    const buffer = Buffer.allocUnsafe(info.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > info.size) return { problem: `changed while it was read` };
    }
    return { bytes: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}

/** Temp files being written, with the write that owns each: what a signal must wait for or remove. */
const writesInFlight = new Map<string, Promise<void>>();
let stoppedBy: NodeJS.Signals | null = null;

/**
 * Replaces a file's content atomically: write a sibling temp file, flush it, then rename over
 * the original, so a crash or a full disk never leaves a half-written file. The mode is kept.
 * After SIGINT/SIGTERM (`stopWritesOnSignals`) no rename starts: the temp file is removed.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  if (stoppedBy) throw new Error(`not written: stopped by ${stoppedBy}`);
  const temp = join(dirname(path), `.${basename(path)}.repro-pins-${randomBytes(6).toString('hex')}`);
  const write = writeThroughTemp(path, temp, text);
  writesInFlight.set(temp, write);
  try {
    await write;
  } finally {
    writesInFlight.delete(temp);
  }
}

async function writeThroughTemp(path: string, temp: string, text: string): Promise<void> {
  const { mode } = await stat(path);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, mode);
    if (stoppedBy) throw new Error(`not written: stopped by ${stoppedBy}`);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * While a command writes files, SIGINT and SIGTERM stop it cleanly: writes in flight finish
 * their rename or remove their temp file (each file is left old or new, never half), then the
 * process exits 130 or 143 (128 + the signal's number, as shells report it). A second signal
 * does not wait: the temp files are removed at once. Returns the function that uninstalls it.
 */
export function stopWritesOnSignals(): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (stoppedBy) {
      for (const temp of writesInFlight.keys()) {
        try {
          unlinkSync(temp);
        } catch {
          // Already renamed or removed by its own write.
        }
      }
      process.exit(code);
    }
    stoppedBy = signal;
    void Promise.allSettled([...writesInFlight.values()]).then(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
