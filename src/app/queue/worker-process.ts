import { createProbot, ProbotOctokit } from 'probot';
import { createApp } from '../app.js';
import type { AppRuntime } from '../runtime.js';
import { readRuntimeSettings, SettingsError, type RuntimeSettings } from './settings.js';

/**
 * One worker process: the App's flows behind BullMQ workers. It authenticates as the App from the
 * same environment as `npm start` (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST), and Probot
 * reads REDIS_URL itself, so this process's GitHub requests are throttled together with every
 * other process's (Bottleneck in Redis, per installation). SIGTERM and SIGINT let the running jobs
 * finish first; SIGKILL leaves them to the stalled-job check of the other workers.
 */
export async function runWorkerProcess(env: NodeJS.ProcessEnv): Promise<void> {
  let settings: RuntimeSettings;
  try {
    settings = readRuntimeSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return fail(`repro-pins worker: ${error.message}`);
  }
  if (settings.redisUrl === null) return fail('repro-pins worker: REDIS_URL is not set; workers take their jobs from Redis (without Redis, `npm start` runs everything in one process)');
  if (!env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) return fail('repro-pins worker: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set, as for `npm start`');

  const probot = createProbot({
    env,
    overrides: settings.githubThrottle ? {} : { Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, throttle: { enabled: false } })) },
  });
  let runtime: AppRuntime | undefined;
  await probot.load(createApp({ env, role: 'worker', onRuntime: (r) => (runtime = r) }));
  probot.log.info({ pid: process.pid, concurrency: settings.workerConcurrency, port: settings.workerPort }, 'repro-pins worker started');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    probot.log.info({ signal }, 'repro-pins worker: finishing the running jobs, then stopping');
    void (runtime?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        probot.log.error({ err: error }, 'repro-pins worker: could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 2;
}
