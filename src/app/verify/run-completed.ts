import { z } from 'zod';
import type { Octokit } from '../github/octokit.js';
import { findPullRequests, updatePullRequest } from '../github/pull-requests.js';
import { readBranchSha } from '../github/repo-snapshot.js';
import { WORKFLOW_PATH } from '../scan/onboarding.js';
import type { AppServices } from '../scan/scan-repository.js';
import { readReproStatus, requestIdOfRun, requestIdOfStatus, runIdOfStatus, setReproStatus } from './commit-status.js';
import { renderDiagnosisComment, writeDiagnosisComment } from './diagnosis-comment.js';
import { convertToDraft, markReadyForReview } from './draft-state.js';
import { judgeRun, type CompletedRun } from './judge-run.js';
import { isPinBranch } from './request-verification.js';
import { withVerification } from './verification-state.js';

/** The fields of a `workflow_run` webhook the gate reads, parsed at the border. */
const payloadSchema = z.object({
  action: z.string(),
  repository: z.object({ id: z.number(), name: z.string(), owner: z.object({ login: z.string() }) }),
  workflow_run: z.object({
    id: z.number(),
    path: z.string(),
    event: z.string(),
    head_branch: z.string().nullable(),
    head_sha: z.string().regex(/^[0-9a-f]{40}$/),
    display_title: z.string().optional(),
    conclusion: z.string().nullable(),
    html_url: z.string(),
    actor: z.object({ login: z.string() }).nullable().optional(),
    repository: z.object({ id: z.number() }),
    head_repository: z.object({ id: z.number() }).nullable().optional(),
  }),
});

/**
 * A finished run of the gate's workflow, or null for every other run. Only a `workflow_dispatch`
 * run of the App's own workflow file, on a pin branch of the same repository (never a fork),
 * whose run name carries a request id made for its head commit, is a candidate.
 */
export function parseCompletedRun(payload: unknown): CompletedRun | null {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return null;
  const { repository, workflow_run: run } = parsed.data;
  if (parsed.data.action !== 'completed' || run.path !== WORKFLOW_PATH || run.event !== 'workflow_dispatch') return null;
  if (run.repository.id !== repository.id || run.head_repository?.id !== repository.id) return null;
  if (!isPinBranch(run.head_branch)) return null;
  const requestId = requestIdOfRun(run.display_title ?? '');
  if (!requestId || !run.head_sha.startsWith(requestId.slice(0, 12))) return null;
  return {
    repo: { owner: repository.owner.login, repo: repository.name },
    runId: run.id,
    branch: run.head_branch,
    sha: run.head_sha,
    requestId,
    actor: run.actor?.login ?? null,
    conclusion: run.conclusion,
    url: run.html_url,
  };
}

export type RunHandling = 'ignored' | 'judged';

/**
 * Turns a finished run into the verdict: commit status, PR body, diagnosis comment, draft state.
 * A run counts only when the App dispatched it, the pin branch still points at the commit it
 * built, and the App's newest status on that commit is the pending one for its request: any
 * other run (an older request, a redelivered event, a run after a newer push, a run other than
 * the one the dispatch started) changes nothing.
 */
export async function completeVerification(octokit: Octokit, services: AppServices, run: CompletedRun): Promise<RunHandling> {
  const { repo, sha } = run;
  const bot = await services.botLogin();
  if (run.actor !== bot) return 'ignored';
  if ((await readBranchSha(octokit, services.cache, repo, run.branch)) !== sha) return 'ignored';
  const status = await readReproStatus(octokit, repo, sha, bot);
  if (!status || requestIdOfStatus(status) !== run.requestId) return 'ignored';
  // Matched by id when the dispatch returned one; older servers answered 204 and the run name alone matches.
  const dispatched = runIdOfStatus(status);
  if (dispatched !== null && dispatched !== run.runId) return 'ignored';
  const [pr] = await findPullRequests(octokit, repo, run.branch, 'open');
  if (!pr) return 'ignored';

  const outcome = await judgeRun(octokit, run);
  await setReproStatus(octokit, repo, sha, outcome.status, outcome.description, run.url);
  services.verifications.forget(repo, run.branch);
  if (outcome.comment) {
    await writeDiagnosisComment(octokit, repo, pr.number, bot, renderDiagnosisComment(sha, run.url, outcome.comment.content), outcome.comment.onlyUpdate);
  }
  // Ready only on two identical builds; a PR someone marked ready goes back to draft when they differ.
  if (outcome.status === 'success' && pr.draft) await markReadyForReview(octokit, pr.nodeId);
  if (outcome.status === 'failure' && !pr.draft) await convertToDraft(octokit, pr.nodeId);
  const body = withVerification(pr.body, outcome.state);
  if (body !== pr.body) await updatePullRequest(octokit, repo, pr.number, { body });
  return 'judged';
}
