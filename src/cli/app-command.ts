import { networkCause } from '../core/datasources/http.js';
import { scanAllJob } from '../app/queue/jobs.js';
import { SCAN_NOW_PATH } from '../app/metrics/operator-routes.js';
import type { CliIo } from './main.js';
import { UsageError } from './repo-context.js';

export interface ScanNowOptions {
  installation: number | null;
}

/** `--installation ID`: a GitHub App installation id (a positive integer). */
export function parseInstallationId(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new UsageError(`--installation: "${value}" is not an installation id (a positive integer)`);
  return Number(value);
}

/**
 * `repro-pins app scan-now [--installation ID]`: queues the scheduled scan of every installed
 * repository (or one installation's) now, in the App's environment.
 * - With REDIS_URL, the job goes straight into the cluster's queue; any worker takes it.
 * - Without it, the single `npm start` process is asked over its own HTTP port: POST
 *   /admin/scan-now with `Authorization: Bearer $REPRO_PINS_ADMIN_TOKEN`, at REPRO_PINS_APP_URL
 *   (default http://localhost:$PORT, PORT defaulting to 3000 as Probot's does).
 * 0 when queued, 2 on any error (with a sentence saying what to fix).
 */
export async function runAppScanNow(options: ScanNowOptions, io: CliIo): Promise<number> {
  const scope = options.installation === null ? 'every installed repository' : `the repositories of installation ${options.installation}`;
  try {
    const message = io.env.REDIS_URL ? await enqueueInRedis(io.env.REDIS_URL, options) : await askRunningApp(io.env, options);
    io.stdout.write(`repro-pins: queued the scan of ${scope} ${message}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`repro-pins: could not queue the scan of ${scope}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

async function enqueueInRedis(redisUrl: string, options: ScanNowOptions): Promise<string> {
  // Loaded only here: the rest of the CLI never needs BullMQ.
  const { RedisWorkQueue } = await import('../app/queue/redis-queue.js');
  const queue = new RedisWorkQueue(redisUrl, { failFast: true });
  try {
    const id = await queue.submit(scanAllJob(options.installation, null));
    return `(job ${id} in Redis at ${redactedUrl(redisUrl)}; the workers run it)`;
  } catch (error) {
    throw new Error(`Redis at ${redactedUrl(redisUrl)} did not take the job (${error instanceof Error ? error.message : String(error)}); check REDIS_URL`);
  } finally {
    await queue.close().catch(() => undefined);
  }
}

async function askRunningApp(env: NodeJS.ProcessEnv, options: ScanNowOptions): Promise<string> {
  const token = env.REPRO_PINS_ADMIN_TOKEN;
  if (!token) {
    throw new Error('neither REDIS_URL nor REPRO_PINS_ADMIN_TOKEN is set: with Redis, set REDIS_URL; for the single `npm start` process, set the same REPRO_PINS_ADMIN_TOKEN here and in the App');
  }
  const base = env.REPRO_PINS_APP_URL ?? `http://localhost:${env.PORT ?? '3000'}`;
  const url = new URL(SCAN_NOW_PATH, base);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ installationId: options.installation }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(`the App at ${url.origin} did not answer (${networkCause(error)}); is \`npm start\` running there (REPRO_PINS_APP_URL, PORT)?`);
  }
  if (response.status === 202) return `(asked the App at ${url.origin}; it runs the scan in its own process)`;
  if (response.status === 401) throw new Error(`the App at ${url.origin} refused the token: REPRO_PINS_ADMIN_TOKEN differs from the App's`);
  if (response.status === 404) throw new Error(`the App at ${url.origin} has no ${SCAN_NOW_PATH}: start it with REPRO_PINS_ADMIN_TOKEN set (16 characters or more)`);
  throw new Error(`the App at ${url.origin} answered ${response.status} ${await response.text().catch(() => '')}`.trim());
}

/** A Redis URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
