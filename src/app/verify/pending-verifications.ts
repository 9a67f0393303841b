import type { Octokit, RepoId } from '../github/octokit.js';

/**
 * How long a dispatched twice-build may take before its pending status turns into an error:
 * the workflow's two jobs run in parallel with `timeout-minutes: 60` each, so three hours leave
 * two hours for queueing on busy runners. A run that answers later is ignored (the status is no
 * longer the pending one it answers); `/repro recheck` asks again.
 */
export const VERIFICATION_TIMEOUT_MS = 3 * 60 * 60 * 1000;

export interface PendingVerification {
  octokit: Octokit;
  repo: RepoId;
  branch: string;
  sha: string;
  request: string;
  since: Date;
}

export function isOverdue(since: Date, now: Date): boolean {
  return now.getTime() - since.getTime() >= VERIFICATION_TIMEOUT_MS;
}

/**
 * The requests this process dispatched and has not heard back about, so that the scheduler's
 * tick can turn the overdue ones into errors without asking GitHub about every repository. A
 * restart forgets them; the next scan of the repository notices them instead (from the hidden
 * state in the PR body). Bounded: the oldest are dropped past the cap.
 */
export class PendingVerifications {
  readonly #entries = new Map<string, PendingVerification>();

  constructor(readonly maxEntries = 10_000) {}

  remember(pending: PendingVerification): void {
    const key = keyOf(pending.repo, pending.branch);
    this.#entries.delete(key);
    this.#entries.set(key, pending);
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** A verdict arrived, or the branch moved on: nothing to expire for it any more. */
  forget(repo: RepoId, branch: string): void {
    this.#entries.delete(keyOf(repo, branch));
  }

  /** Removes and returns the requests older than the timeout. */
  takeOverdue(now: Date): PendingVerification[] {
    const overdue = [...this.#entries.values()].filter((p) => isOverdue(p.since, now));
    for (const p of overdue) this.#entries.delete(keyOf(p.repo, p.branch));
    return overdue;
  }
}

/** One pending request per pin branch: a newer request replaces the older one. */
function keyOf(repo: RepoId, branch: string): string {
  return `${repo.owner}/${repo.repo}#${branch}`;
}
