/**
 * Jest global teardown: stops the registry started by global-setup.ts and removes its temp dir
 * (registry data and any leftover buildah vfs storage).
 *
 * Like the setup, it imports only `node:` builtins at runtime (see the note there).
 */
import type {} from './global-setup.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__REPRO_TEST_HARNESS__ ?? readStateFromEnvFile();
  if (!state) return;
  globalThis.__REPRO_TEST_HARNESS__ = undefined;
  await stopProcess(state.registryPid);
  // Setup already removes the buildah storage; this covers a run that stopped half way.
  const storage = join(state.tmpDir, 'buildah');
  if (existsSync(storage)) {
    try {
      execFileSync(
        'buildah',
        ['--storage-driver', 'vfs', '--root', join(storage, 'storage'), '--runroot', join(storage, 'run'), 'rm', '--all'],
        { stdio: 'ignore' },
      );
    } catch {
      // Nothing is mounted with vfs; removing the directory below is enough.
    }
  }
  await rm(state.tmpDir, { recursive: true, force: true, maxRetries: 3 });
}

function readStateFromEnvFile(): { tmpDir: string; registryPid: number } | undefined {
  const file = process.env.REPRO_TEST_ENV;
  if (!file || !existsSync(file)) return undefined;
  const env = JSON.parse(readFileSync(file, 'utf8')) as { tmpDir?: unknown; pids?: { registry?: unknown } };
  if (typeof env.tmpDir !== 'string' || typeof env.pids?.registry !== 'number') return undefined;
  return { tmpDir: env.tmpDir, registryPid: env.pids.registry };
}

async function stopProcess(pid: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  for (let waited = 0; waited < 3000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!isAlive(pid)) return;
  }
  signal(pid, 'SIGKILL');
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    // An exited child that was not reaped yet shows state Z (zombie): count it as gone.
    return !/^\S+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
