import type { Octokit, RepoId } from './octokit.js';

export interface IssueInfo {
  number: number;
  body: string;
}

/** The App's dashboard issue: an open issue the App's bot created, carrying the dashboard marker. */
export async function findDashboard(octokit: Octokit, repo: RepoId, botLogin: string, markerText: string): Promise<IssueInfo | null> {
  const issues = await octokit.paginate('GET /repos/{owner}/{repo}/issues', { ...repo, creator: botLogin, state: 'open', per_page: 100 });
  const issue = issues.find((i) => !i.pull_request && i.body?.includes(markerText));
  return issue ? { number: issue.number, body: issue.body ?? '' } : null;
}

/** Creates the dashboard once, then edits it in place, and only when its text changed. */
export async function writeDashboard(octokit: Octokit, repo: RepoId, existing: IssueInfo | null, title: string, body: string): Promise<number> {
  if (!existing) {
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', { ...repo, title, body });
    return data.number;
  }
  if (existing.body !== body) {
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: existing.number, body });
  }
  return existing.number;
}
