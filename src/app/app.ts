import type { ApplicationFunction, Probot } from 'probot';
import { loadDockerCredentials, type CredentialStore } from '../core/datasources/docker/docker-config.js';
import { GitHubCache } from './github/bounded-cache.js';
import type { Octokit, RepoId } from './github/octokit.js';
import { handleInstallation } from './handlers/installation.js';
import { handleIssueComment } from './handlers/issue-comment.js';
import { handlePullRequestSynchronize } from './handlers/pull-request.js';
import { handlePush } from './handlers/push.js';
import { handleWorkflowRun } from './handlers/workflow-run.js';
import { handledKeysOf, handleOnce } from './handlers/redelivery.js';
import { onboardRepository, pinWorkflowTemplate } from './scan/onboarding.js';
import { githubAccessOf } from './github/access.js';
import { defaultConfig } from '../core/config.js';
import { reportScanFailure, scanRepository, type AppServices, type RepoTarget, type ScanOptions } from './scan/scan-repository.js';
import { ScanRun } from './scan/scan-run.js';
import { ALLOW_HOSTS_ENV, parseAllowList } from '../core/datasources/destination-guard.js';
import { readTemplate } from './templates.js';
import type { Scheduler } from './schedule/scheduler.js';
import type { WorkQueue } from './queue/work-queue.js';
import { createRuntime, type AppRole, type AppRuntime } from './runtime.js';
import { voidVerdictOnPush, type PinBranchPush } from './verify/branch-push.js';
import { expireOverdueVerifications } from './verify/expire-verification.js';
import type { CompletedRun } from './verify/judge-run.js';
import { PendingVerifications } from './verify/pending-verifications.js';
import { recheckPullRequest } from './verify/recheck.js';
import { completeVerification } from './verify/run-completed.js';

/** What handlers get: the App's shared services and the flows they delegate to. */
export interface AppDeps {
  services: AppServices;
  /** Where handlers put work: in-process, or Redis for the workers (they never care which). */
  queue: WorkQueue;
  newScanRun(): ScanRun;
  scan(target: RepoTarget, run: ScanRun, options?: ScanOptions): Promise<void>;
  onboardAndScan(octokit: Octokit, repo: RepoId, run: ScanRun): Promise<void>;
  /** `/repro recheck`: the twice-build of a pin PR's head commit again. */
  recheck(target: RepoTarget, pullNumber: number): Promise<void>;
  /** A finished run of the twice-build workflow, judged from its artifacts. */
  completeVerification(octokit: Octokit, run: CompletedRun): Promise<void>;
  /** A push to a pin branch voids the verdict of the commit before it. */
  voidVerdict(octokit: Octokit, push: PinBranchPush): Promise<void>;
  /** Scheduler tick: requests with no result in time become errors. */
  expireOverdueVerifications(now: Date): Promise<void>;
}

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Receives the scheduler; `npm start` starts it, tests drive its ticks themselves. */
  onScheduler?: (scheduler: Scheduler) => void;
  /** `server` (default, `npm start`) serves webhooks; `worker` (`npm run worker`) runs queued jobs. */
  role?: AppRole;
  /** Receives the runtime (queue, metrics), e.g. to stop a worker on SIGTERM. */
  onRuntime?: (runtime: AppRuntime) => void;
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
  return async (app: Probot, appOptions) => {
    const env = options.env ?? process.env;
    const runtime = createRuntime(app, { env, role: options.role ?? 'server', addHandler: appOptions?.addHandler, onScheduler: options.onScheduler });
    const credentials = registryCredentials(env);
    // The operator's allow-list is checked once, at start: a typo stops the App here instead of
    // failing every scan (each scan run parses it again for its own guard).
    const allowList = parseAllowList(env[ALLOW_HOSTS_ENV]);
    if (!allowList.ok) throw new Error(allowList.message);
    let botLogin: Promise<string> | null = null;
    const services: AppServices = {
      cache: new GitHubCache(),
      verifications: new PendingVerifications(),
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
      queue: runtime.queue,
      newScanRun: () => new ScanRun(credentials, env, runtime.decorateDatasource),
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
        await recheckPullRequest(target, services, pullNumber);
      },
      async completeVerification(octokit, run) {
        const handling = await completeVerification(octokit, services, run);
        app.log.info({ repo: `${run.repo.owner}/${run.repo.repo}`, run: run.runId, request: run.requestId, handling }, 'twice-build run finished');
      },
      async voidVerdict(octokit, push) {
        await voidVerdictOnPush(octokit, services, push);
      },
      async expireOverdueVerifications(now) {
        await expireOverdueVerifications(services, now, (error) => app.log.error({ err: error }, 'could not expire a twice-build request'));
      },
    };

    await runtime.start(deps);
    options.onRuntime?.(runtime);

    // Every handler runs once per delivery and per comment, however often GitHub delivers it.
    const once = <C extends { id: string; name: string; payload: object }>(handler: (context: C) => Promise<void>) => (context: C) => handleOnce(runtime.handled, handledKeysOf(context), () => handler(context));
    app.on(['installation.created', 'installation_repositories.added'], once((context) => handleInstallation(runtime.observe(context), deps)));
    app.on('push', once((context) => handlePush(runtime.observe(context), deps)));
    app.on('issue_comment.created', once((context) => handleIssueComment(runtime.observe(context), deps)));
    app.on('workflow_run.completed', once((context) => handleWorkflowRun(runtime.observe(context), deps)));
    app.on('pull_request.synchronize', once((context) => handlePullRequestSynchronize(runtime.observe(context), deps)));
  };
}
