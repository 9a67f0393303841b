import type { Octokit, RepoId } from './octokit.js';

export interface PullRequestInfo {
  number: number;
  nodeId: string;
  branch: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
}

/**
 * The PRs from one of the App's branches, newest first. GitHub filters by `head`, so this is one
 * request however many PRs the repository has.
 */
export async function findPullRequests(octokit: Octokit, repo: RepoId, branch: string, state: 'open' | 'all'): Promise<PullRequestInfo[]> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls', { ...repo, head: `${repo.owner}:${branch}`, state, sort: 'created', direction: 'desc', per_page: 100 });
  return data.map((pr) => ({
    number: pr.number,
    nodeId: pr.node_id,
    branch: pr.head.ref,
    title: pr.title,
    body: pr.body ?? '',
    draft: pr.draft ?? false,
    state: pr.state === 'open' ? 'open' : 'closed',
    merged: pr.merged_at !== null,
  }));
}

export async function createPullRequest(octokit: Octokit, repo: RepoId, pr: { branch: string; base: string; title: string; body: string; draft: boolean }): Promise<number> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/pulls', { ...repo, head: pr.branch, base: pr.base, title: pr.title, body: pr.body, draft: pr.draft });
  return data.number;
}

export async function updatePullRequest(octokit: Octokit, repo: RepoId, number: number, fields: { title?: string; body?: string; state?: 'closed' }): Promise<void> {
  await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, ...fields });
}

export async function deleteBranch(octokit: Octokit, repo: RepoId, branch: string): Promise<void> {
  await octokit.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { ...repo, ref: `heads/${branch}` });
}

/** Posts a comment once: a comment already carrying `marker` is left as it is. */
export async function commentOnce(octokit: Octokit, repo: RepoId, issueNumber: number, marker: string, body: string): Promise<boolean> {
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, per_page: 100 });
  if (comments.some((c) => c.body?.includes(marker))) return false;
  await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, body: `${marker}\n${body}` });
  return true;
}
