import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RepoId } from '../github/octokit.js';
import type { PinBranchPush } from '../verify/branch-push.js';
import type { CompletedRun } from '../verify/judge-run.js';

/**
 * The work the App queues. A job carries ids only (installation, repository, options): whoever
 * runs it authenticates as the installation with the App's own credentials, so a job never holds
 * a token and a worker on another machine can run it. Parsed at the border: a job is JSON in Redis.
 */

/** Epoch milliseconds (after, until]: the schedule window a scheduled scan checks a repository's cron against. */
const windowSchema = z.object({ after: z.number().int(), until: z.number().int() });
export type ScanWindow = z.infer<typeof windowSchema>;

const installationId = z.number().int().positive();
const repository = { installationId, owner: z.string().min(1), repo: z.string().min(1) };
const repoId = z.object({ owner: z.string().min(1), repo: z.string().min(1) });

/** A finished twice-build run, as the workflow_run handler parsed it from the webhook. */
const completedRunSchema = z.object({
  repo: repoId,
  runId: z.number().int(),
  branch: z.string(),
  sha: z.string(),
  requestId: z.string(),
  actor: z.string().nullable(),
  conclusion: z.string().nullable(),
  url: z.string(),
}) satisfies z.ZodType<CompletedRun>;

/** A push to a pin PR's branch, as the pull_request handler parsed it from the webhook. */
const pinBranchPushSchema = z.object({
  repo: repoId,
  number: z.number().int().positive(),
  nodeId: z.string(),
  draft: z.boolean(),
  body: z.string(),
  branch: z.string(),
  sha: z.string(),
  pusher: z.string(),
}) satisfies z.ZodType<PinBranchPush>;

export const workJobSchema = z.discriminatedUnion('kind', [
  /** Lists the installed repositories (all, or one installation's) and queues one scan each. */
  z.object({ kind: z.literal('scan-all'), installationId: installationId.nullable(), window: windowSchema.nullable(), runId: z.string().min(1) }),
  /** What the cluster's job scheduler produces once per tick; its window is the tick it fired for. */
  z.object({ kind: z.literal('scheduled-tick') }),
  /** One repository: onboarding (then a scan), a scheduled scan (only when its cron fired in `window`), or a scan now. */
  z.object({
    kind: z.literal('scan-repository'),
    ...repository,
    /** Null when only the repository knows (onboarding reads it). */
    defaultBranch: z.string().min(1).nullable(),
    onboard: z.boolean(),
    force: z.boolean(),
    ignore: z.string().nullable(),
    window: windowSchema.nullable(),
    /** Jobs of one run share lookups when the same process runs them. */
    runId: z.string().min(1),
  }),
  /** `/repro recheck` on a pull request. */
  z.object({ kind: z.literal('recheck'), ...repository, defaultBranch: z.string().min(1), pullNumber: z.number().int().positive() }),
  /** `workflow_run.completed` of the twice-build workflow: judge its artifacts. */
  z.object({ kind: z.literal('verify-run'), installationId, run: completedRunSchema }),
  /** `pull_request.synchronize` on a pin branch: the previous verdict no longer holds. */
  z.object({ kind: z.literal('void-verdict'), installationId, push: pinBranchPushSchema }),
]);

export type WorkJob = z.infer<typeof workJobSchema>;
export type ScanRepositoryJob = Extract<WorkJob, { kind: 'scan-repository' }>;
export type ScanAllJob = Extract<WorkJob, { kind: 'scan-all' }>;

export function newRunId(): string {
  return randomUUID();
}

export interface RepositoryIds {
  installationId: number;
  owner: string;
  repo: string;
}

export function scanAllJob(installation: number | null, window: ScanWindow | null, runId = newRunId()): ScanAllJob {
  return { kind: 'scan-all', installationId: installation, window, runId };
}

export function scanJob(
  ids: RepositoryIds,
  defaultBranch: string | null,
  options: { onboard?: boolean; force?: boolean; ignore?: string | null; window?: ScanWindow | null; runId?: string } = {},
): ScanRepositoryJob {
  return {
    kind: 'scan-repository',
    ...ids,
    defaultBranch,
    onboard: options.onboard ?? false,
    force: options.force ?? false,
    ignore: options.ignore ?? null,
    window: options.window ?? null,
    runId: options.runId ?? newRunId(),
  };
}

/** The repository a job works on (lower-cased, as GitHub compares names), or null for fan-out jobs. */
export function repositoryOf(job: WorkJob): string | null {
  const name = (repo: RepoId) => `${repo.owner}/${repo.repo}`.toLowerCase();
  switch (job.kind) {
    case 'scan-repository':
    case 'recheck':
      return name(job);
    case 'verify-run':
      return name(job.run.repo);
    case 'void-verdict':
      return name(job.push.repo);
    case 'scan-all':
    case 'scheduled-tick':
      return null;
  }
}

/**
 * Identical requests collapse while one waits: two pushes in a row scan once, since the scan reads
 * the branch when it runs. Requests that ask for something different (a rebase, an ignore, an
 * onboarding, a scheduled check) keep their own id so none is lost; the per-repository lease,
 * not this id, keeps two of them from running at once.
 */
export function deduplicationIdOf(job: WorkJob): string {
  switch (job.kind) {
    case 'scan-all':
      return `scan-all/${job.installationId ?? 'every-installation'}/${job.window ? 'scheduled' : 'now'}`;
    case 'scheduled-tick':
      return 'scheduled-tick';
    case 'scan-repository': {
      const variant = [job.onboard && 'onboard', job.force && 'rebase', job.ignore !== null && `ignore-${digestOf(job.ignore)}`, job.window && 'scheduled'].filter(Boolean).join('+');
      return `scan/${job.installationId}/${repositoryOf(job)}/${variant || 'now'}`;
    }
    case 'recheck':
      return `recheck/${job.installationId}/${repositoryOf(job)}/${job.pullNumber}`;
    case 'verify-run':
      return `verify-run/${job.installationId}/${repositoryOf(job)}/${job.run.runId}`;
    case 'void-verdict':
      return `void-verdict/${job.installationId}/${repositoryOf(job)}/${job.push.number}/${job.push.sha}`;
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
