import { deduplicationIdOf, repositoryOf, type WorkJob } from './jobs.js';

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/**
 * Where handlers and the scheduler put work. They always enqueue and never care which queue it
 * is: the in-process one below (one `npm start`) or the BullMQ one (REDIS_URL, `npm run worker`).
 */
export interface WorkQueue {
  /**
   * Accepts a job. The in-process queue runs it before resolving, so a webhook's work is done when
   * its handler returns (and a failure reaches the handler, as before the queue existed); the Redis
   * queue resolves once the job is stored.
   */
  enqueue(job: WorkJob): Promise<void>;
  counts(): Promise<JobCounts>;
  close(): Promise<void>;
}

export type JobProcessor = (job: WorkJob) => Promise<void>;

/**
 * The embedded default: jobs run in this process as they are enqueued. Jobs for one repository
 * run one after the other (a push arriving during a scan waits for it), as BullMQ workers do with
 * their per-repository lease.
 */
export class InProcessQueue implements WorkQueue {
  readonly #tails = new Map<string, Promise<void>>();
  #waiting = 0;
  #active = 0;
  #failed = 0;

  constructor(private readonly process: JobProcessor) {}

  enqueue(job: WorkJob): Promise<void> {
    const key = repositoryOf(job) ?? deduplicationIdOf(job);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    this.#waiting += 1;
    const run = previous.then(async () => {
      this.#waiting -= 1;
      this.#active += 1;
      try {
        await this.process(job);
      } catch (error) {
        this.#failed += 1;
        throw error;
      } finally {
        this.#active -= 1;
      }
    });
    const tail = run.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }

  async counts(): Promise<JobCounts> {
    return { waiting: this.#waiting, active: this.#active, delayed: 0, failed: this.#failed };
  }

  async close(): Promise<void> {
    await Promise.all(this.#tails.values());
  }
}
