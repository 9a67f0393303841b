import { z } from 'zod';
import type { RepoConfig } from '../../core/config.js';
import { hasStatus } from '../github/octokit.js';
import { commentOnce } from '../github/pull-requests.js';
import type { RepoSnapshot } from '../github/repo-snapshot.js';
import { marker } from '../../core/markdown.js';
import { WORKFLOW_PATH } from '../scan/onboarding.js';
import { branchOf, PIN_GROUPS } from '../scan/pin-groups.js';
import type { AppServices, RepoTarget } from '../scan/scan-repository.js';
import { newRequestId, pendingDescription, setReproStatus } from './commit-status.js';
import { imagesToVerify } from './images.js';
import type { VerificationState } from './verification-state.js';

/** The workflow id GitHub's dispatch API takes: the workflow file's name. */
const WORKFLOW_FILE = WORKFLOW_PATH.slice(WORKFLOW_PATH.lastIndexOf('/') + 1);

/** The pin PR branches, the only ones the gate verifies. */
export function isPinBranch(branch: string | null | undefined): branch is string {
  return PIN_GROUPS.some((group) => branchOf(group.name) === branch);
}

/** An ISO time without milliseconds, as the PR body shows it. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Starts the twice-build of a pin branch's head commit: the App's pending status first (it
 * carries the request id a finished run must echo), then `workflow_dispatch` of the workflow
 * on the pin branch itself. Without the workflow on the default branch (the onboarding PR is not
 * merged) or with nothing to build, nothing is dispatched and no status is set: a pin PR is never
 * passed without two builds.
 */
export async function requestVerification(
  target: RepoTarget,
  services: AppServices,
  subject: { branch: string; sha: string },
  snapshot: RepoSnapshot,
  config: RepoConfig,
  now = new Date(),
): Promise<VerificationState> {
  const { octokit, repo } = target;
  const { branch, sha } = subject;
  if (!snapshot.entries.has(WORKFLOW_PATH)) return { state: 'needs-onboarding', sha };
  const images = imagesToVerify(snapshot, config);
  if (images.length === 0) return { state: 'nothing-to-build', sha };

  const request = newRequestId(sha);
  await setReproStatus(octokit, repo, sha, 'pending', pendingDescription(request));
  // Remembered before the dispatch: a request that fails half-way still expires at the timeout.
  services.verifications.remember({ octokit, repo, branch, sha, request, since: now });
  let dispatched: unknown;
  try {
    dispatched = await dispatchWorkflow(target, { ref: branch, inputs: { sha, 'request-id': request, images: JSON.stringify(images) } });
  } catch (error) {
    // 403/404/422: Actions disabled, the workflow disabled, or no dispatch trigger at that ref.
    if (![403, 404, 422].some((status) => hasStatus(error, status))) throw error;
    const reason = `GitHub refused to start the twice-build workflow (${(error as Error).message}).`;
    await setReproStatus(octokit, repo, sha, 'error', reason);
    services.verifications.forget(repo, branch);
    return { state: 'error', sha, reason, runUrl: null };
  }
  const run = runDetailsSchema.safeParse(dispatched);
  if (run.success) await setReproStatus(octokit, repo, sha, 'pending', pendingDescription(request, run.data.workflow_run_id), run.data.html_url);
  return { state: 'pending', sha, request, since: isoSeconds(now) };
}

/**
 * Dispatches the gate's workflow asking for the run it starts: GitHub (since 2026-02) answers 200
 * with the run, older servers 204. A GHES that does not know the parameter may refuse it
 * (400/422 naming it): then the dispatch is made again without it, and the run name matches.
 */
async function dispatchWorkflow(target: RepoTarget, body: { ref: string; inputs: Record<string, string> }): Promise<unknown> {
  const request = (extra: { return_run_details?: boolean }) =>
    target.octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { ...target.repo, workflow_id: WORKFLOW_FILE, ...body, ...extra });
  try {
    return (await request({ return_run_details: true })).data;
  } catch (error) {
    const unknownParameter = (hasStatus(error, 400) || hasStatus(error, 422)) && error instanceof Error && error.message.includes('return_run_details');
    if (!unknownParameter) throw error;
    return (await request({})).data;
  }
}

/** The body of a dispatch with `return_run_details: true` (REST "Create a workflow dispatch event"). */
const runDetailsSchema = z.object({ workflow_run_id: z.number().int().positive(), run_url: z.string(), html_url: z.string().url() });

/**
 * Says once on the PR why it cannot be verified yet. A PR the App has just opened has no
 * comments, so the usual "already said?" read is skipped.
 */
export async function announceUnverified(target: RepoTarget, pullNumber: number, state: VerificationState, freshPullRequest: boolean): Promise<void> {
  const text = UNVERIFIED_COMMENTS[state.state as keyof typeof UNVERIFIED_COMMENTS];
  if (!text) return;
  const mark = marker(state.state);
  if (freshPullRequest) {
    await target.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...target.repo, issue_number: pullNumber, body: `${mark}\n${text}` });
  } else {
    await commentOnce(target.octokit, target.repo, pullNumber, mark, text);
  }
}

export const UNVERIFIED_COMMENTS = {
  'needs-onboarding': `repro-pins cannot verify this PR yet: the twice-build workflow \`${WORKFLOW_PATH}\` is not on the default branch. Merge the onboarding PR ("Configure repro-pins") first; the next scan then rebuilds this PR on top of it and builds it twice. Until then this PR stays a draft.`,
  'nothing-to-build': 'repro-pins has no image to build twice for this PR: there is no Dockerfile at the repository root and no `verify:` list in `.github/repro-pins.yml`. Add one to turn the verification on.',
} as const;
