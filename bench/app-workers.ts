/**
 * Queue workers as real child processes (`npm run worker`'s entry), pointed at a loopback fake
 * GitHub and a test Redis: the only way to kill one mid-job, as a crashed machine would.
 * Tests run the TypeScript entry through tsx; the benchmark runs the compiled one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { freePort } from './loopback-registry.js';

export const { privateKey: WORKER_PRIVATE_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

export interface WorkerProcess {
  pid: number;
  /** BullMQ's `processedBy` for the jobs it ran. */
  name: string;
  /** Its /health and /metrics port. */
  port: number;
  output(): string;
  /** Kills it and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnWorkerOptions {
  /** A `.ts` entry runs through tsx, a `.js` one as it is. */
  entry: string;
  cwd: string;
  /** GHE_HOST of the fake GitHub. */
  githubHost: string;
  redisUrl: string;
  env?: Record<string, string>;
}

/** Starts a worker and resolves once its /health answers (its BullMQ worker is running by then). */
export async function spawnWorker(options: SpawnWorkerOptions): Promise<WorkerProcess> {
  const port = await freePort();
  const args = options.entry.endsWith('.ts') ? ['--import', 'tsx', options.entry] : [options.entry];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      APP_ID: '1',
      PRIVATE_KEY: WORKER_PRIVATE_KEY,
      GHE_HOST: options.githubHost,
      GHE_PROTOCOL: 'http',
      REDIS_URL: options.redisUrl,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      REPRO_PINS_WORKER_PORT: String(port),
      DOCKER_CONFIG: '/nonexistent/repro-pins-worker-test',
      // The fake registry listens on loopback, which the App refuses unless the operator allows it.
      REPRO_PINS_ALLOW_HOSTS: '127.0.0.1',
      ...options.env,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: WorkerProcess = {
    pid: child.pid ?? -1,
    name: `repro-pins-worker-${child.pid}`,
    port,
    output: () => output,
    kill: (signal = 'SIGKILL') => stopChild(child, signal, exited),
    exited,
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode} before it was ready:\n${output}`);
    if (await answers(port)) return worker;
    if (Date.now() > deadline) {
      await worker.kill();
      throw new Error(`the worker did not answer /health within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await exited;
}
