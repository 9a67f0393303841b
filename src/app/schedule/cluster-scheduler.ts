import { CronExpressionParser } from 'cron-parser';
import type { Logger } from 'pino';
import { scanAllJob, type ScanWindow } from '../queue/jobs.js';
import type { RedisWorkQueue } from '../queue/redis-queue.js';
import type { Scheduler } from './scheduler.js';

/**
 * The window a tick that fired at `firedAt` covers: (the pattern's previous firing, firedAt].
 * Consecutive ticks cover consecutive windows, so a repository's cron that fired between two
 * ticks is seen by exactly one of them, whichever worker runs it.
 */
export function tickWindow(pattern: string, firedAt: number): ScanWindow {
  const previous = CronExpressionParser.parse(pattern, { currentDate: new Date(firedAt), tz: 'UTC' }).prev().getTime();
  return { after: previous, until: firedAt };
}

/** Throws a sentence when the tick pattern is not a cron expression. */
export function checkTickPattern(pattern: string): void {
  try {
    CronExpressionParser.parse(pattern, { tz: 'UTC' });
  } catch (error) {
    throw new Error(`REPRO_PINS_SCHEDULE_TICK: "${pattern}" is not a cron expression (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * With REDIS_URL: the tick is a BullMQ job scheduler in Redis, so it fires once per period for
 * the whole cluster however many processes run. Every process upserts it on start (the same id:
 * the last one's pattern wins, so give every process the same REPRO_PINS_SCHEDULE_TICK); stopping
 * a process leaves it in place for the others.
 */
export class ClusterScheduler implements Scheduler {
  constructor(
    private readonly queue: RedisWorkQueue,
    private readonly pattern: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.queue.upsertSchedule(this.pattern).catch((error: unknown) => this.log.error({ err: error }, 'could not register the cluster schedule in Redis'));
  }

  stop(): void {}

  async tick(now = new Date()): Promise<void> {
    await this.queue.enqueue(scanAllJob(null, tickWindow(this.pattern, now.getTime())));
  }

  async scanNow(installationId?: number): Promise<void> {
    await this.queue.enqueue(scanAllJob(installationId ?? null, null));
  }
}
