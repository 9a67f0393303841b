import type { SourceFile } from '../../core/reference.js';
import type { GitHubCache } from './bounded-cache.js';
import { hasStatus, type Octokit, type RepoId } from './octokit.js';

/** A branch as the scan sees it: its head commit and every file path with its blob SHA and mode. */
export interface RepoSnapshot {
  branch: string;
  commitSha: string;
  treeSha: string;
  entries: Map<string, { mode: string; sha: string }>;
}

export async function readBranchSha(octokit: Octokit, cache: GitHubCache, repo: RepoId, branch: string): Promise<string | null> {
  const key = `${repo.owner}/${repo.repo}#${branch}`;
  const cached = cache.refEtags.get(key);
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      ...repo,
      ref: `heads/${branch}`,
      headers: cached ? { 'if-none-match': cached.etag } : {},
    });
    const etag = response.headers.etag;
    if (etag) cache.refEtags.set(key, { etag, sha: response.data.object.sha });
    return response.data.object.sha;
  } catch (error) {
    if (hasStatus(error, 304) && cached) return cached.sha;
    if (hasStatus(error, 404)) return null;
    throw error;
  }
}

const SYMLINK_MODE = '120000';

/** One recursive tree read for the whole branch (the scan then fetches only the blobs managers read). */
export async function readSnapshot(octokit: Octokit, cache: GitHubCache, repo: RepoId, branch: string): Promise<RepoSnapshot> {
  const commitSha = await readBranchSha(octokit, cache, repo, branch);
  if (!commitSha) throw new Error(`branch ${branch} does not exist in ${repo.owner}/${repo.repo}`);
  let tree = cache.trees.get(commitSha);
  if (!tree) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...repo, tree_sha: commitSha, recursive: '1' });
    if (data.truncated) {
      throw new Error(`the file tree of ${repo.owner}/${repo.repo} is too large for one read (GitHub truncated it); repro-pins cannot scan it yet`);
    }
    const entries = new Map<string, { mode: string; sha: string }>();
    for (const entry of data.tree) {
      // A symlink is a blob of mode 120000 holding its target's path: it is never read as the
      // file it names, nor rewritten into a regular file (git's modes: gitglossary "tree object").
      if (entry.mode === SYMLINK_MODE) continue;
      if (entry.type === 'blob' && entry.path && entry.sha && entry.mode) entries.set(entry.path, { mode: entry.mode, sha: entry.sha });
    }
    tree = { treeSha: data.sha, entries };
    cache.trees.set(commitSha, tree);
  }
  return { branch, commitSha, treeSha: tree.treeSha, entries: tree.entries };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads blobs by SHA (cached); a file that is not UTF-8 text is left out and named. */
export async function readFiles(octokit: Octokit, cache: GitHubCache, repo: RepoId, snapshot: RepoSnapshot, paths: string[]): Promise<{ files: SourceFile[]; unreadable: string[] }> {
  const files: SourceFile[] = [];
  const unreadable: string[] = [];
  for (const path of paths) {
    const entry = snapshot.entries.get(path);
    if (!entry) continue;
    let text = cache.blobs.get(entry.sha);
    if (text === undefined) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { ...repo, file_sha: entry.sha });
      try {
        text = utf8.decode(Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8'));
      } catch {
        unreadable.push(path);
        continue;
      }
      cache.blobs.set(entry.sha, text);
    }
    files.push({ path, text });
  }
  return { files, unreadable };
}
