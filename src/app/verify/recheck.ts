import { readBranchHead } from '../github/commits.js';
import { hasStatus } from '../github/octokit.js';
import { updatePullRequest } from '../github/pull-requests.js';
import { readSnapshot } from '../github/repo-snapshot.js';
import { loadConfig, type AppServices, type RepoTarget } from '../scan/scan-repository.js';
import { announceUnverified, isPinBranch, requestVerification } from './request-verification.js';
import { withVerification } from './verification-state.js';

/**
 * `/repro recheck` on a pin PR: the twice-build of its head commit again, through the same
 * request path a new commit takes (a new request id, so a run of an earlier request no longer
 * counts). Only the App's own commits are verified; anything else gets a one-line answer.
 */
export async function recheckPullRequest(target: RepoTarget, services: AppServices, pullNumber: number): Promise<void> {
  const { octokit, repo } = target;
  const reply = (body: string) => octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: pullNumber, body });
  const notPinPr = '`/repro recheck` runs the twice-build of an open repro-pins pin PR again; this is not one.';
  // An issue (no PR behind the number) answers 404.
  const pr = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: pullNumber }).then(
    (response) => response.data,
    (error: unknown) => {
      if (hasStatus(error, 404)) return null;
      throw error;
    },
  );
  const branch = pr?.head.ref;
  if (!pr || pr.state !== 'open' || !isPinBranch(branch) || pr.head.repo?.full_name !== `${repo.owner}/${repo.repo}`) {
    await reply(notPinPr);
    return;
  }

  const head = await readBranchHead(octokit, services.cache, repo, branch);
  if (!head || head.fingerprint === null) {
    await reply(`The head commit of \`${branch}\` was not made by repro-pins, which verifies only its own commits. Comment \`/repro rebase\` to replace the branch with fresh pins; they are then built twice.`);
    return;
  }
  const snapshot = await readSnapshot(octokit, services.cache, repo, target.defaultBranch);
  const config = await loadConfig(target, services, snapshot);
  if ('errors' in config) {
    await reply('`.github/repro-pins.yml` has errors (the Dependency Dashboard lists them), so repro-pins does not know what to build. Fix them, then comment `/repro recheck` again.');
    return;
  }
  const state = await requestVerification(target, services, { branch, sha: head.sha }, snapshot, config.config);
  const body = withVerification(pr.body ?? '', state);
  if (body !== (pr.body ?? '')) await updatePullRequest(octokit, repo, pullNumber, { body });
  await announceUnverified(target, pullNumber, state, false);
}
