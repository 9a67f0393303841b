import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { TickLedger } from '../schedule/cluster-scheduler.js';
import type { AppMetrics } from '../metrics/metrics.js';
import { repositoryOf, scanAllJob, workJobSchema, type WorkJob } from './jobs.js';
import type { LeaseClaim, RedisLeases } from './leases.js';
import { connectionOf, QUEUE_NAME } from './redis-queue.js';
import type { RuntimeSettings } from './settings.js';
import type { JobProcessor } from './work-queue.js';

export interface QueueWorker {
  isRunning(): boolean;
  /** Stops taking jobs and waits for the running ones to finish (SIGTERM: a rolling deploy loses nothing). */
  close(): Promise<void>;
}

/** The leases a job must hold while it runs: its repository's (alone) and a share of its installation's. */
export function leasesFor(job: WorkJob, installationConcurrency: number): LeaseClaim[] {
  const repository = repositoryOf(job);
  if (repository === null || !('installationId' in job) || job.installationId === null) return [];
  return [
    { key: `repository:${repository}`, limit: 1 },
    { key: `installation:${job.installationId}`, limit: installationConcurrency },
  ];
}

/**
 * BullMQ workers for this process. Stalled jobs: a worker renews each job's lock every
 * lockMs / 2; one killed mid-job stops renewing, and within lockMs + stalledIntervalMs another
 * worker's stalled-job check moves the job back to waiting, where any worker takes it again.
 * The retried job repeats only idempotent steps (see scan-repository.ts), so it opens no second
 * PR, commit or comment. maxStalledCount 2 lets a job survive two worker deaths before it fails.
 */
export function startQueueWorker(
  settings: RuntimeSettings & { redisUrl: string },
  process: JobProcessor,
  leases: RedisLeases,
  ticks: TickLedger,
  metrics: AppMetrics,
  log: Logger,
): QueueWorker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job, token?: string) => {
      const parsed = workJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`job ${job.id} is not a repro-pins job: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      if (parsed.data.kind === 'scheduled-tick') {
        const firedAt = firingTimeOf(job);
        const window = await ticks.windowFor(firedAt);
        if (window) {
          await process(scanAllJob(null, window));
          await ticks.covered(firedAt);
        }
        return;
      }
      const work = parsed.data;
      const holder = `${job.id}:${token ?? ''}`;
      const claims = leasesFor(work, settings.installationConcurrency);
      if (!(await leases.acquire(claims, holder, settings.lockMs))) {
        // The repository is being scanned, or its installation has its share of workers: try later,
        // without counting an attempt. Jitter keeps a batch of such jobs from returning in step.
        await job.moveToDelayed(Date.now() + Math.round(settings.busyRetryMs * (0.5 + Math.random())), token);
        throw new DelayedError();
      }
      const renewal = setInterval(() => {
        leases.renew(claims, holder, settings.lockMs).then(
          (lost) => lost > 0 && log.warn({ job: job.id }, 'a job lost its lease (its worker stalled); another worker may now run it'),
          (error: unknown) => log.warn({ job: job.id, err: error }, 'could not renew a job lease'),
        );
      }, Math.max(250, Math.floor(settings.lockMs / 3)));
      try {
        await process(work);
      } finally {
        clearInterval(renewal);
        await leases.release(claims, holder).catch((error: unknown) => log.warn({ job: job.id, err: error }, 'could not release a job lease'));
      }
    },
    {
      connection: connectionOf(settings.redisUrl),
      concurrency: settings.workerConcurrency,
      lockDuration: settings.lockMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: 2,
      name: `repro-pins-worker-${globalThis.process.pid}`,
    },
  );
  worker.on('completed', (job) => metrics.jobsProcessed.inc({ kind: job.name, outcome: 'completed' }));
  worker.on('failed', (job, error) => {
    metrics.jobsProcessed.inc({ kind: job?.name ?? 'unknown', outcome: 'failed' });
    log.error({ job: job?.id, kind: job?.name, err: error }, 'job failed');
  });
  worker.on('error', (error) => log.error({ err: error }, 'queue worker error'));
  return {
    isRunning: () => worker.isRunning(),
    close: () => worker.close(),
  };
}

/** When a scheduler-made job was due: its creation time plus the delay it waited. */
/**
 * The instant the schedule fired for this tick job. BullMQ records it as `prevMillis` (it is also
 * in the job id, `repeat:<id>:<millis>`); `timestamp + delay` drifts by however long the Redis
 * script took under load, which would shift the tick's window off the cron instant.
 */
function firingTimeOf(job: Job): number {
  return job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
}
