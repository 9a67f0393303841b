import type { Octokit, RepoId } from '../github/octokit.js';
import { findPullRequests, updatePullRequest } from '../github/pull-requests.js';
import type { AppServices } from '../scan/scan-repository.js';
import { readReproStatus, requestIdOfStatus, setReproStatus } from './commit-status.js';
import { isOverdue, VERIFICATION_TIMEOUT_MS } from './pending-verifications.js';
import { withVerification, type RecordedVerification, type VerificationState } from './verification-state.js';

const HOURS = VERIFICATION_TIMEOUT_MS / 3_600_000;

/**
 * Turns a request that got no result in time into an error status, if the App's newest status on
 * the commit is still the pending one for that request. Returns the new state, or null when
 * something answered meanwhile.
 */
export async function expireVerification(octokit: Octokit, services: AppServices, repo: RepoId, sha: string, request: string): Promise<VerificationState | null> {
  const status = await readReproStatus(octokit, repo, sha, await services.botLogin());
  if (!status || requestIdOfStatus(status) !== request) return null;
  const reason = `the twice-build (request ${request}) gave no result within ${HOURS} hours.`;
  await setReproStatus(octokit, repo, sha, 'error', `No result within ${HOURS} hours (request ${request})`);
  return { state: 'error', sha, reason, runUrl: null };
}

/** What a scan does with an unchanged PR: a pending request recorded in its body that is overdue is expired. */
export async function expireRecordedVerification(octokit: Octokit, services: AppServices, repo: RepoId, recorded: RecordedVerification | null, headSha: string, now = new Date()): Promise<VerificationState | null> {
  if (recorded?.state !== 'pending' || recorded.sha !== headSha || !recorded.request || !recorded.since) return null;
  const since = new Date(recorded.since);
  if (Number.isNaN(since.getTime()) || !isOverdue(since, now)) return null;
  return expireVerification(octokit, services, repo, headSha, recorded.request);
}

/** The scheduler's sweep: every request this process made that is overdue, with its PR body updated. */
export async function expireOverdueVerifications(services: AppServices, now: Date, onError: (error: unknown) => void): Promise<void> {
  for (const pending of services.verifications.takeOverdue(now)) {
    try {
      const state = await expireVerification(pending.octokit, services, pending.repo, pending.sha, pending.request);
      if (!state) continue;
      const [pr] = await findPullRequests(pending.octokit, pending.repo, pending.branch, 'open');
      const body = pr ? withVerification(pr.body, state) : null;
      if (pr && body !== null && body !== pr.body) await updatePullRequest(pending.octokit, pending.repo, pr.number, { body });
    } catch (error) {
      // One repository's failure never stops the others.
      onError(error);
    }
  }
}
