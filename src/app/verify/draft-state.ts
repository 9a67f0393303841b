import type { Octokit } from '../github/octokit.js';

/*
 * A PR's draft state changes only through GraphQL: REST's `PATCH /pulls/{n}` silently ignores
 * `draft: false` (https://github.com/orgs/community/discussions/45174).
 */

export async function markReadyForReview(octokit: Octokit, pullRequestNodeId: string): Promise<void> {
  await octokit.graphql('mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }', { id: pullRequestNodeId });
}

export async function convertToDraft(octokit: Octokit, pullRequestNodeId: string): Promise<void> {
  await octokit.graphql('mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }', { id: pullRequestNodeId });
}
