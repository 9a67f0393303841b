import type { ApplicationFunction, Probot } from 'probot';
import { loadDockerCredentials, type CredentialStore } from '../core/datasources/docker/docker-config.js';
import { GitHubCache } from './github/bounded-cache.js';
import type { Octokit, RepoId } from './github/octokit.js';
import { handleInstallation } from './handlers/installation.js';
import { handleIssueComment } from './handlers/issue-comment.js';
import { handlePush } from './handlers/push.js';
import { onboardRepository, pinWorkflowTemplate } from './scan/onboarding.js';
import { githubAccessOf } from './github/access.js';
import { defaultConfig } from '../core/config.js';
import { reportScanFailure, scanRepository, type AppServices, type RepoTarget, type ScanOptions } from './scan/scan-repository.js';
import { ScanRun } from './scan/scan-run.js';
import { readTemplate } from './templates.js';
import { InProcessScheduler, type Scheduler } from './schedule/scheduler.js';

/** What handlers get: the App's shared services and the flows they delegate to. */
export interface AppDeps {
  services: AppServices;
  newScanRun(): ScanRun;
  scan(target: RepoTarget, run: ScanRun, options?: ScanOptions): Promise<void>;
  onboardAndScan(octokit: Octokit, repo: RepoId, run: ScanRun): Promise<void>;
  recheck(target: RepoTarget, pullNumber: number): Promise<void>;
}

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Receives the scheduler; `npm start` starts it, tests drive its ticks themselves. */
  onScheduler?: (scheduler: Scheduler) => void;
}

/**
 * Registry credentials for the App come from its own environment (a mounted Docker config
 * named by REPRO_PINS_DOCKER_CONFIG or DOCKER_CONFIG), never from a repository.
 */
function registryCredentials(env: NodeJS.ProcessEnv): CredentialStore {
  const dir = env.REPRO_PINS_DOCKER_CONFIG ?? env.DOCKER_CONFIG;
  return loadDockerCredentials(dir ? { ...env, DOCKER_CONFIG: dir } : env);
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    const env = options.env ?? process.env;
    const credentials = registryCredentials(env);
    let botLogin: Promise<string> | null = null;
    const services: AppServices = {
      cache: new GitHubCache(),
      botLogin() {
        botLogin ??= app.auth().then(async (octokit) => {
          const { data } = await octokit.request('GET /app');
          return `${data?.slug ?? 'repro-pins'}[bot]`;
        });
        return botLogin;
      },
    };

    const deps: AppDeps = {
      services,
      newScanRun: () => new ScanRun(credentials, env),
      async scan(target, run, scanOptions) {
        try {
          await scanRepository(target, run, services, scanOptions);
        } catch (error) {
          app.log.error({ repo: `${target.repo.owner}/${target.repo.repo}`, err: error }, 'scan failed');
          await reportScanFailure(target, services, error).catch((reportError: unknown) => app.log.error({ err: reportError }, 'could not report the scan failure'));
        }
      },
      async onboardAndScan(octokit, repo, run) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}', { ...repo });
        if (data.archived) return;
        const target = { octokit, repo, defaultBranch: data.default_branch };
        const workflow = async () => {
          const pinned = await pinWorkflowTemplate(readTemplate('repro-verify.yml'), run.datasourcesFor(defaultConfig, await githubAccessOf(octokit)));
          for (const problem of pinned.problems) app.log.warn({ repo: `${repo.owner}/${repo.repo}`, problem }, 'an onboarding workflow action stays unpinned');
          return pinned.text;
        };
        await onboardRepository(target, services, { config: readTemplate('repro-pins.yml'), workflow });
        await deps.scan(target, run);
      },
      async recheck(target, pullNumber) {
        await target.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...target.repo,
          issue_number: pullNumber,
          body: 'The twice-build verification is not wired into this version of the repro-pins App yet, so there is nothing to recheck.',
        });
      },
    };

    const scheduler = new InProcessScheduler(app, deps);
    if (options.onScheduler) options.onScheduler(scheduler);
    else scheduler.start();

    app.on(['installation.created', 'installation_repositories.added'], (context) => handleInstallation(context, deps));
    app.on('push', (context) => handlePush(context, deps));
    app.on('issue_comment.created', (context) => handleIssueComment(context, deps));
  };
}
