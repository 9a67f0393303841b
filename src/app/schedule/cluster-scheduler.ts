import { CronExpressionParser } from 'cron-parser';
import type { Redis } from 'ioredis';
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

/** How far back a tick reaches for firings no tick covered (the fleet was busy or down); older ones are not caught up. */
const CATCH_UP_LIMIT_MS = 24 * 60 * 60 * 1000;

// Raises the mark, never lowers it: ticks may finish out of order.
const RAISE = `local c = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

/**
 * How far the cluster's ticks have covered, in Redis. BullMQ makes a scheduler's next job when it
 * takes the current one, so a tick that waited behind a long queue skips the firings in between;
 * the window then reaches back to where the last finished tick stopped (at most a day), and no
 * repository's weekly scan is lost to a busy fleet.
 */
export class TickLedger {
  constructor(
    private readonly redis: Redis,
    private readonly pattern: string,
    private readonly key = 'repro-pins:schedule:covered-until',
  ) {}

  /** The window a tick that fired at `firedAt` scans, or null when later ticks already covered it. */
  async windowFor(firedAt: number): Promise<ScanWindow | null> {
    const covered = Number((await this.redis.get(this.key)) ?? 0);
    if (covered >= firedAt) return null;
    const { after } = tickWindow(this.pattern, firedAt);
    return { after: covered > 0 ? Math.max(Math.min(covered, after), firedAt - CATCH_UP_LIMIT_MS) : after, until: firedAt };
  }

  /** Marks the window up to `until` as scanned (called once its fan-out has queued every repository). */
  async covered(until: number): Promise<void> {
    await this.redis.eval(RAISE, 1, this.key, String(until));
  }
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
