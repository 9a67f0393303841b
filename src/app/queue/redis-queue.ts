import { Queue, type ConnectionOptions } from 'bullmq';
import { deduplicationIdOf, type WorkJob } from './jobs.js';
import type { JobCounts, WorkQueue } from './work-queue.js';

/** One BullMQ queue carries every kind of job; the job name is its kind. */
export const QUEUE_NAME = 'repro-pins';
/** The cluster's one job scheduler: upserting it again (any process, any restart) changes nothing. */
export const SCHEDULER_ID = 'repro-pins-schedule';

export interface RedisQueueOptions {
  /** For one-shot clients (the scan-now command): give up at once when Redis cannot be reached instead of retrying forever. */
  failFast?: boolean;
  /** Connection errors (BullMQ reconnects by itself); without a listener BullMQ prints them. */
  onError?: (error: Error) => void;
}

export function connectionOf(redisUrl: string, options: RedisQueueOptions = {}): ConnectionOptions {
  return options.failFast ? { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000, disconnectTimeout: 100, retryStrategy: () => null } : { url: redisUrl };
}

/**
 * The queue as producers see it (the webhook server, the scan-now command, a worker fanning a
 * scan out). Each job gets a deduplication id (see `deduplicationIdOf`) with keepLastIfActive:
 * identical requests collapse while one waits, and one arriving while its twin runs is kept and
 * runs after it, so no push is lost to a scan that had already read the branch.
 */
export class RedisWorkQueue implements WorkQueue {
  readonly queue: Queue;

  constructor(redisUrl: string, options: RedisQueueOptions = {}) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: connectionOf(redisUrl, options),
      defaultJobOptions: {
        // A job that throws is tried again later (a GitHub outage); a killed worker's job is
        // retried through BullMQ's stalled-job check, which does not count as an attempt.
        attempts: 3,
        backoff: { type: 'exponential', delay: 15_000 },
        removeOnComplete: { age: 24 * 3600, count: 5000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  async enqueue(job: WorkJob): Promise<void> {
    await this.submit(job);
  }

  /** Adds a job and returns the id BullMQ gave it (the id of the waiting twin it collapsed into). */
  async submit(job: WorkJob): Promise<string> {
    const added = await this.queue.add(job.kind, job, { deduplication: { id: deduplicationIdOf(job), keepLastIfActive: true } });
    return added.id ?? '';
  }

  /** The cluster's tick: one job per firing for the whole fleet, however many processes upsert it. */
  async upsertSchedule(pattern: string): Promise<void> {
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { pattern, tz: 'UTC' }, { name: 'scheduled-tick', data: { kind: 'scheduled-tick' } satisfies WorkJob });
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
