import type { GitHubCache } from './bounded-cache.js';
import { readBranchSha, type RepoSnapshot } from './repo-snapshot.js';
import type { Octokit, RepoId } from './octokit.js';

export interface FileWrite {
  path: string;
  content: string;
}

/** The head commit of a branch the App writes: who made it, and the fingerprint the App left in it. */
export interface BranchHead {
  sha: string;
  /** The `Repro-Pins-Fingerprint:` trailer, or null when someone else made the commit. */
  fingerprint: string | null;
  parentSha: string | null;
}

const fingerprintTrailer = /^Repro-Pins-Fingerprint: ([0-9a-f]{64})$/m;

export async function readBranchHead(octokit: Octokit, cache: GitHubCache, repo: RepoId, branch: string): Promise<BranchHead | null> {
  const sha = await readBranchSha(octokit, cache, repo, branch);
  if (!sha) return null;
  // Commits are immutable: what the App learnt about one never needs asking again.
  let head = cache.commits.get(sha);
  if (!head) {
    const { data: commit } = await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...repo, commit_sha: sha });
    const fingerprint = fingerprintTrailer.exec(commit.message)?.[1] ?? null;
    head = { sha, fingerprint, parentSha: commit.parents.length === 1 ? (commit.parents[0]?.sha ?? null) : null };
    cache.commits.set(sha, head);
  }
  return head;
}

/**
 * Writes files as one commit on top of the snapshot's head through the Git Data API (a tree,
 * then a commit), and points the branch at it. The branch is the App's own: a force update
 * replaces the App's previous commit, never the default branch.
 */
export async function commitToBranch(
  octokit: Octokit,
  repo: RepoId,
  snapshot: RepoSnapshot,
  branch: string,
  files: FileWrite[],
  message: string,
  fingerprint: string,
  branchExists: boolean,
): Promise<string> {
  const tree = files.map((file) => ({
    path: file.path,
    mode: (snapshot.entries.get(file.path)?.mode ?? '100644') as '100644' | '100755',
    type: 'blob' as const,
    content: file.content,
  }));
  const { data: newTree } = await octokit.request('POST /repos/{owner}/{repo}/git/trees', { ...repo, base_tree: snapshot.treeSha, tree });
  const { data: commit } = await octokit.request('POST /repos/{owner}/{repo}/git/commits', {
    ...repo,
    message: `${message}\n\nRepro-Pins-Fingerprint: ${fingerprint}\n`,
    tree: newTree.sha,
    parents: [snapshot.commitSha],
  });
  if (branchExists) {
    await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...repo, ref: `heads/${branch}`, sha: commit.sha, force: true });
  } else {
    await octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  }
  return commit.sha;
}
