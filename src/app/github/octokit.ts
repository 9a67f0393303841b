import type { ProbotOctokit } from 'probot';

/** The authenticated client a handler gets from Probot (installation-scoped). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

export interface RepoId {
  owner: string;
  repo: string;
}

export function formatRepo(repo: RepoId): string {
  return `${repo.owner}/${repo.repo}`;
}

/** Whether an Octokit error is an HTTP status (404 for "absent", 304 for "not modified"). */
export function hasStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && (error as { status: unknown }).status === status;
}
