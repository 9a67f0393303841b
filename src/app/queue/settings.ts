import { z } from 'zod';

/**
 * How the App runs, from its environment (the single parse point). Without REDIS_URL everything
 * stays in one process; the rest only matters with it. Every default is one a single operator can
 * leave alone; the README's "Deployment" section says when to change which.
 */
export interface RuntimeSettings {
  redisUrl: string | null;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Jobs of one installation running at once across the whole fleet, so a large organisation cannot starve the others. */
  installationConcurrency: number;
  /** BullMQ job lock: a worker that has not renewed it for this long is presumed dead and its job is retried elsewhere. */
  lockMs: number;
  /** How often each worker looks for jobs whose lock lapsed (stalled jobs). */
  stalledIntervalMs: number;
  /** Wait before a job whose repository or installation is busy is tried again (with jitter). */
  busyRetryMs: number;
  /** The cluster's tick (cron, UTC, seconds field allowed): each firing checks every repository's own schedule. */
  scheduleTick: string;
  /** How long a registry answer is shared by the fleet: one scan wave. */
  lookupTtlMs: number;
  /** How long a failed lookup is shared, so an outage is asked about once a minute rather than by every job. */
  lookupFailureTtlMs: number;
  /** The worker's own HTTP port for /health and /metrics. */
  workerPort: number;
  /** Interface the worker's HTTP server listens on (Probot's HOST, so one setting serves both). */
  host: string;
  /** Shared secret guarding POST /admin/scan-now; the route is off without it. */
  adminToken: string | null;
  /** Probot's GitHub throttling (on unless `off`: for a GHES without rate limits, and the loopback tests and benchmark). */
  githubThrottle: boolean;
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const seconds = (fallback: number) => z.coerce.number().positive().default(fallback).transform((s) => Math.round(s * 1000));
const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const settingsSchema = z.object({
  REDIS_URL: z.preprocess(emptyAsUnset, z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional()),
  REPRO_PINS_WORKER_CONCURRENCY: z.preprocess(emptyAsUnset, positiveInt(4)),
  REPRO_PINS_INSTALLATION_CONCURRENCY: z.preprocess(emptyAsUnset, positiveInt(2)),
  REPRO_PINS_LOCK_SECONDS: z.preprocess(emptyAsUnset, seconds(30)),
  REPRO_PINS_STALLED_INTERVAL_SECONDS: z.preprocess(emptyAsUnset, seconds(30)),
  REPRO_PINS_BUSY_RETRY_SECONDS: z.preprocess(emptyAsUnset, seconds(2)),
  REPRO_PINS_SCHEDULE_TICK: z.preprocess(emptyAsUnset, z.string().default('*/10 * * * *')),
  REPRO_PINS_LOOKUP_TTL_SECONDS: z.preprocess(emptyAsUnset, seconds(3600)),
  REPRO_PINS_LOOKUP_FAILURE_TTL_SECONDS: z.preprocess(emptyAsUnset, seconds(60)),
  REPRO_PINS_WORKER_PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(65535).default(3001)),
  HOST: z.preprocess(emptyAsUnset, z.string().default('localhost')),
  REPRO_PINS_ADMIN_TOKEN: z.preprocess(emptyAsUnset, z.string().min(16, 'must be at least 16 characters').optional()),
  REPRO_PINS_GITHUB_THROTTLE: z.preprocess(emptyAsUnset, z.enum(['on', 'off']).default('on')),
});

/** Thrown for a setting that does not parse: the message names the variable and what it must be. */
export class SettingsError extends Error {}

export function readRuntimeSettings(env: NodeJS.ProcessEnv): RuntimeSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SettingsError(`${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'is invalid'}`);
  }
  const s = parsed.data;
  return {
    redisUrl: s.REDIS_URL ?? null,
    workerConcurrency: s.REPRO_PINS_WORKER_CONCURRENCY,
    installationConcurrency: s.REPRO_PINS_INSTALLATION_CONCURRENCY,
    lockMs: s.REPRO_PINS_LOCK_SECONDS,
    stalledIntervalMs: s.REPRO_PINS_STALLED_INTERVAL_SECONDS,
    busyRetryMs: s.REPRO_PINS_BUSY_RETRY_SECONDS,
    scheduleTick: s.REPRO_PINS_SCHEDULE_TICK,
    lookupTtlMs: s.REPRO_PINS_LOOKUP_TTL_SECONDS,
    lookupFailureTtlMs: s.REPRO_PINS_LOOKUP_FAILURE_TTL_SECONDS,
    workerPort: s.REPRO_PINS_WORKER_PORT,
    host: s.HOST,
    adminToken: s.REPRO_PINS_ADMIN_TOKEN ?? null,
    githubThrottle: s.REPRO_PINS_GITHUB_THROTTLE === 'on',
  };
}
