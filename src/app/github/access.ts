import type { GitHubAccess } from '../scan/scan-run.js';
import type { Octokit } from './octokit.js';

/**
 * The installation's token and API base URL, for the lookups the core makes itself (action tags
 * of other repositories). The token comes from Probot's cache: no extra request.
 */
export async function githubAccessOf(octokit: Octokit): Promise<GitHubAccess> {
  const auth = (await octokit.auth({ type: 'installation' })) as { token?: unknown };
  if (typeof auth.token !== 'string') throw new Error('the installation has no token');
  return { baseUrl: octokit.request.endpoint.DEFAULTS.baseUrl, token: auth.token };
}
