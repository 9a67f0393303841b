import { performance } from 'node:perf_hooks';
import type { Probot } from 'probot';
import type { AppDeps } from '../app.js';
import type { AppMetrics } from '../metrics/metrics.js';
import type { Octokit } from '../github/octokit.js';
import { scheduleFired } from '../schedule/scheduler.js';
import { scanJob, type ScanAllJob, type ScanRepositoryJob, type WorkJob } from './jobs.js';
import type { ScanRuns } from './scan-runs.js';

/** What running a job needs: the App (to authenticate as an installation), its flows, and this process's runs and metrics. */
export interface JobEnvironment {
  app: Probot;
  deps: AppDeps;
  runs: ScanRuns;
  metrics: AppMetrics;
}

/**
 * Runs one job, in whichever process took it. Jobs carry ids only: the installation's client is
 * made here from the App's credentials (Probot caches the installation token per process).
 */
export async function processJob(job: WorkJob, env: JobEnvironment): Promise<void> {
  switch (job.kind) {
    case 'scan-all':
      return scanAll(job, env);
    case 'scan-repository':
      return timed(env, job.onboard ? 'onboard' : 'scan', () => scanOne(job, env));
    case 'recheck': {
      const octokit = await installationOctokit(env, job.installationId);
      return timed(env, 'recheck', () => env.deps.recheck({ octokit, repo: { owner: job.owner, repo: job.repo }, defaultBranch: job.defaultBranch }, job.pullNumber));
    }
    case 'verify-run': {
      const octokit = await installationOctokit(env, job.installationId);
      return timed(env, 'verify', () => env.deps.completeVerification(octokit, job.run));
    }
    case 'void-verdict': {
      const octokit = await installationOctokit(env, job.installationId);
      return env.deps.voidVerdict(octokit, job.push);
    }
    case 'scheduled-tick':
      // Only BullMQ's job scheduler makes these; the worker turns each into a scan-all with its window.
      throw new Error('a scheduled tick needs its firing time; only a queue worker can run it');
  }
}

export async function installationOctokit(env: JobEnvironment, installationId: number): Promise<Octokit> {
  return env.metrics.observeOctokit((await env.app.auth(installationId)) as Octokit, String(installationId));
}

async function timed(env: JobEnvironment, job: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await work();
  } finally {
    env.metrics.scanDuration.observe({ job }, (performance.now() - started) / 1000);
  }
}

async function scanOne(job: ScanRepositoryJob, env: JobEnvironment): Promise<void> {
  const octokit = await installationOctokit(env, job.installationId);
  const repo = { owner: job.owner, repo: job.repo };
  const run = env.runs.get(job.runId);
  if (job.onboard) {
    await env.deps.onboardAndScan(octokit, repo, run);
    return;
  }
  const defaultBranch = job.defaultBranch ?? (await octokit.request('GET /repos/{owner}/{repo}', repo)).data.default_branch;
  if (job.window && !(await scheduleFired(octokit, env.deps.services.cache, repo, defaultBranch, job.window))) return;
  await env.deps.scan({ octokit, repo, defaultBranch }, run, { ...(job.force ? { force: true } : {}), ...(job.ignore !== null ? { ignore: job.ignore } : {}) });
}

/**
 * The fan-out: every installed repository (or one installation's) gets its own job. Jobs are
 * queued round-robin across installations, so the head of the queue mixes organisations and the
 * per-installation limit seldom has to turn a job away. One installation or repository that fails
 * never stops the others.
 */
async function scanAll(job: ScanAllJob, env: JobEnvironment): Promise<void> {
  const installations = job.installationId === null ? await listInstallations(env) : [job.installationId];
  const perInstallation: ScanRepositoryJob[][] = [];
  for (const installationId of installations) {
    try {
      const octokit = await installationOctokit(env, installationId);
      const repositories = await octokit.paginate('GET /installation/repositories', { per_page: 100 });
      perInstallation.push(
        repositories
          .filter((repository) => !repository.archived)
          .map((repository) => scanJob({ installationId, owner: repository.owner.login, repo: repository.name }, repository.default_branch, { window: job.window, runId: job.runId })),
      );
    } catch (error) {
      env.app.log.error({ installation: installationId, err: error }, 'could not list the installation’s repositories');
    }
  }
  for (const repositoryJob of interleave(perInstallation)) {
    try {
      await env.deps.queue.enqueue(repositoryJob);
    } catch (error) {
      env.app.log.error({ repo: `${repositoryJob.owner}/${repositoryJob.repo}`, err: error }, 'scheduled scan failed');
    }
  }
}

async function listInstallations(env: JobEnvironment): Promise<number[]> {
  const appOctokit = env.metrics.observeOctokit((await env.app.auth()) as Octokit, 'app');
  const installations = await appOctokit.paginate('GET /app/installations', { per_page: 100 });
  return installations.map((installation) => installation.id);
}

/** [[a1, a2], [b1]] → [a1, b1, a2]. */
export function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((list) => i < list.length); i++) {
    for (const list of lists) {
      const item = list[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}
