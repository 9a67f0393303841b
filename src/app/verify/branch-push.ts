import type { Octokit, RepoId } from '../github/octokit.js';
import { updatePullRequest } from '../github/pull-requests.js';
import type { AppServices } from '../scan/scan-repository.js';
import { convertToDraft } from './draft-state.js';
import { withVerification } from './verification-state.js';

/** A push to a pin PR's branch, as `pull_request.synchronize` reports it. */
export interface PinBranchPush {
  repo: RepoId;
  number: number;
  nodeId: string;
  draft: boolean;
  body: string;
  branch: string;
  sha: string;
  pusher: string;
}

/**
 * A new commit voids the previous verdict: statuses belong to commits, so the new head has none,
 * and a PR marked ready goes back to draft. The App's own commits need nothing here (the scan
 * that made one has already requested its twice-build and put the PR back to draft); anyone
 * else's commit is not verified at all, since the App builds only commits it made.
 */
export async function voidVerdictOnPush(octokit: Octokit, services: AppServices, push: PinBranchPush): Promise<void> {
  if (push.pusher === (await services.botLogin())) return;
  services.verifications.forget(push.repo, push.branch);
  if (!push.draft) await convertToDraft(octokit, push.nodeId);
  const body = withVerification(push.body, { state: 'foreign-commit', sha: push.sha, pusher: push.pusher });
  if (body !== push.body) await updatePullRequest(octokit, push.repo, push.number, { body });
}
