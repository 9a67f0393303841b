import type { Logger } from 'pino';
import { CONFIG_PATH, parseRepoConfig } from '../../core/config.js';
import type { GitHubCache } from '../github/bounded-cache.js';
import type { Octokit, RepoId } from '../github/octokit.js';
import { readFiles, readSnapshot } from '../github/repo-snapshot.js';
import type { AppDeps } from '../app.js';
import { scanAllJob, type ScanWindow } from '../queue/jobs.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { isDue } from './due.js';

/**
 * What fires scheduled scans: the in-process timer below for a single `npm start`, or the
 * cluster's BullMQ job scheduler (cluster-scheduler.ts) with REDIS_URL. Both only enqueue.
 */
export interface Scheduler {
  start(): void;
  stop(): void;
  /** Expires overdue twice-build requests, then scans every repository whose schedule fired in (last tick, now]. */
  tick(now?: Date): Promise<void>;
  /** Scans every installed repository now (or those of one installation), whatever its schedule. */
  scanNow(installationId?: number): Promise<void>;
}

const TICK_MS = 10 * 60 * 1000;

/**
 * The embedded default: a timer in this process. Each tick queues one fan-out job; the fan-out
 * queues one job per repository, which checks that repository's own cron against the window.
 */
export class InProcessScheduler implements Scheduler {
  #timer: NodeJS.Timeout | null = null;
  #lastTick: Date;

  constructor(
    private readonly queue: WorkQueue,
    private readonly deps: AppDeps,
    private readonly log: Logger,
    now = new Date(),
  ) {
    // Firings before the process started are not caught up: a restart never rescans everything.
    this.#lastTick = now;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.tick().catch((error: unknown) => this.log.error({ err: error }, 'scheduled tick failed')), TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async tick(now = new Date()): Promise<void> {
    const after = this.#lastTick;
    this.#lastTick = now;
    // Twice-build requests with no result in time become errors (design: "The twice-build gate").
    await this.deps.expireOverdueVerifications(now);
    await this.queue.enqueue(scanAllJob(null, { after: after.getTime(), until: now.getTime() }));
  }

  async scanNow(installationId?: number): Promise<void> {
    await this.queue.enqueue(scanAllJob(installationId ?? null, null));
  }
}

/** Whether a repository's own schedule (its config's cron, else Mondays 06:00 UTC) fired in the window. */
export async function scheduleFired(octokit: Octokit, cache: GitHubCache, repo: RepoId, defaultBranch: string, window: ScanWindow): Promise<boolean> {
  const snapshot = await readSnapshot(octokit, cache, repo, defaultBranch);
  let schedule = { schedule: '0 6 * * 1', timezone: 'UTC' };
  if (snapshot.entries.has(CONFIG_PATH)) {
    const { files } = await readFiles(octokit, cache, repo, snapshot, [CONFIG_PATH]);
    const parsed = parseRepoConfig(files[0]?.text ?? '');
    // An invalid config still gets its weekly scan: that is what puts the errors on the dashboard.
    if ('config' in parsed) schedule = parsed.config;
  }
  return isDue(schedule.schedule, schedule.timezone, new Date(window.after), new Date(window.until));
}
