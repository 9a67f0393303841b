import { randomBytes } from 'node:crypto';
import type { Octokit, RepoId } from '../github/octokit.js';

/** The commit status of the twice-build gate (design: "The twice-build gate (contract)"). */
export const STATUS_CONTEXT = 'repro-pins/reproducible';

/** GitHub refuses a status description longer than this. */
const DESCRIPTION_LIMIT = 140;

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

export interface ReproStatus {
  state: StatusState;
  description: string;
  createdAt: string;
}

/**
 * A verification request id: the first 12 hex digits of the commit, then 8 random hex digits,
 * e.g. `1a2b3c4d5e6f-9c0ffee1`. The workflow echoes it in its run name
 * (`repro-verify <request id>`); the App's pending status carries it too, so a finished run
 * counts only while it answers the newest request for that commit.
 */
export function newRequestId(sha: string): string {
  return `${sha.slice(0, 12)}-${randomBytes(4).toString('hex')}`;
}

const REQUEST_ID = /^[0-9a-f]{12}-[0-9a-f]{8}$/;
export const isRequestId = (text: string): boolean => REQUEST_ID.test(text);

/** The request id a run names (`run-name: repro-verify ${{ inputs.request-id }}`), or null. */
export function requestIdOfRun(displayTitle: string): string | null {
  const match = /^repro-verify ([0-9a-f]{12}-[0-9a-f]{8})$/.exec(displayTitle.trim());
  return match?.[1] ?? null;
}

/**
 * The pending status of a request. Once GitHub has said which run the dispatch started
 * (`return_run_details`), the status is set again naming that run: only it may answer.
 */
export function pendingDescription(requestId: string, runId: number | null = null): string {
  return `Building twice on GitHub Actions (request ${requestId}${runId === null ? '' : `, run ${runId}`})`;
}

const PENDING = /\(request ([0-9a-f]{12}-[0-9a-f]{8})(?:, run (\d{1,16}))?\)$/;

/** The request a pending status of the App's stands for. */
export function requestIdOfStatus(status: ReproStatus): string | null {
  if (status.state !== 'pending') return null;
  return PENDING.exec(status.description)?.[1] ?? null;
}

/** The run a pending status names, or null when the dispatch did not say (204 from older servers and GHES). */
export function runIdOfStatus(status: ReproStatus): number | null {
  if (status.state !== 'pending') return null;
  const run = PENDING.exec(status.description)?.[2];
  return run === undefined ? null : Number(run);
}

export async function setReproStatus(
  octokit: Octokit,
  repo: RepoId,
  sha: string,
  state: StatusState,
  description: string,
  targetUrl: string | null = null,
): Promise<void> {
  const text = description.length > DESCRIPTION_LIMIT ? `${description.slice(0, DESCRIPTION_LIMIT - 1)}…` : description;
  await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
    ...repo,
    sha,
    state,
    context: STATUS_CONTEXT,
    description: text,
    ...(targetUrl ? { target_url: targetUrl } : {}),
  });
}

/**
 * The newest `repro-pins/reproducible` status the App itself set on a commit (GitHub lists
 * statuses newest first). Statuses set by anyone else are not the App's word and are ignored.
 */
export async function readReproStatus(octokit: Octokit, repo: RepoId, sha: string, botLogin: string): Promise<ReproStatus | null> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/statuses', { ...repo, ref: sha, per_page: 100 });
  const ours = data.find((s) => s.context === STATUS_CONTEXT && s.creator?.login === botLogin);
  if (!ours) return null;
  const state = ours.state;
  if (state !== 'pending' && state !== 'success' && state !== 'failure' && state !== 'error') return null;
  return { state, description: ours.description ?? '', createdAt: ours.created_at };
}
