import type { Probot } from 'probot';
import { CONFIG_PATH, parseRepoConfig } from '../../core/config.js';
import type { Octokit } from '../github/octokit.js';
import { readFiles, readSnapshot } from '../github/repo-snapshot.js';
import type { AppDeps } from '../app.js';
import { isDue } from './due.js';

/**
 * What fires scheduled scans. The in-process one below serves a single `npm start`; a
 * distributed queue can replace it without the handlers noticing.
 */
export interface Scheduler {
  start(): void;
  stop(): void;
  /** Scans every repository whose schedule fired in (last tick, now]. */
  tick(now?: Date): Promise<void>;
  /** Scans every installed repository now (or those of one installation), whatever its schedule. */
  scanNow(installationId?: number): Promise<void>;
}

const TICK_MS = 10 * 60 * 1000;

export class InProcessScheduler implements Scheduler {
  #timer: NodeJS.Timeout | null = null;
  #lastTick: Date;

  constructor(
    private readonly app: Probot,
    private readonly deps: AppDeps,
    now = new Date(),
  ) {
    // Firings before the process started are not caught up: a restart never rescans everything.
    this.#lastTick = now;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.tick().catch((error: unknown) => this.app.log.error({ err: error }, 'scheduled tick failed')), TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async tick(now = new Date()): Promise<void> {
    const after = this.#lastTick;
    this.#lastTick = now;
    await this.#forEachRepository(undefined, async (octokit, repo, defaultBranch) => {
      const snapshot = await readSnapshot(octokit, this.deps.services.cache, repo, defaultBranch);
      let schedule = { schedule: '0 6 * * 1', timezone: 'UTC' };
      if (snapshot.entries.has(CONFIG_PATH)) {
        const { files } = await readFiles(octokit, this.deps.services.cache, repo, snapshot, [CONFIG_PATH]);
        const parsed = parseRepoConfig(files[0]?.text ?? '');
        // An invalid config still gets its weekly scan: that is what puts the errors on the dashboard.
        if ('config' in parsed) schedule = parsed.config;
      }
      return isDue(schedule.schedule, schedule.timezone, after, now);
    });
  }

  async scanNow(installationId?: number): Promise<void> {
    await this.#forEachRepository(installationId, async () => true);
  }

  /** One scan run over every repository of every installation: lookups are shared by all of them. */
  async #forEachRepository(only: number | undefined, isWanted: (octokit: Octokit, repo: { owner: string; repo: string }, defaultBranch: string) => Promise<boolean>): Promise<void> {
    const appOctokit = await this.app.auth();
    const installations = only === undefined ? await appOctokit.paginate('GET /app/installations', { per_page: 100 }) : [{ id: only }];
    const run = this.deps.newScanRun();
    for (const installation of installations) {
      const octokit = (await this.app.auth(installation.id)) as Octokit;
      const repositories = await octokit.paginate('GET /installation/repositories', { per_page: 100 });
      for (const repository of repositories) {
        if (repository.archived) continue;
        const repo = { owner: repository.owner.login, repo: repository.name };
        const target = { octokit, repo, defaultBranch: repository.default_branch };
        try {
          if (await isWanted(octokit, repo, repository.default_branch)) await this.deps.scan(target, run);
        } catch (error) {
          // One repository's failure never stops the others.
          this.app.log.error({ repo: `${repo.owner}/${repo.repo}`, err: error }, 'scheduled scan failed');
        }
      }
    }
  }
}
