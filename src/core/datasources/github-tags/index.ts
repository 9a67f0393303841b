import type { DependencyRef } from '../../reference.js';
import type { Datasource, LookupResult } from '../datasource.js';
import { targetKey, type ActionTarget } from './action-resolver.js';

/** Resolves action targets; `ActionResolver` over `GitHubApi` is the real one. */
export interface ActionTargetResolver {
  resolve(target: ActionTarget): Promise<LookupResult>;
}

/**
 * The repository an action reference is looked up in: `owner/repo` of `owner/repo[/path]`.
 * Every reference carries a lookup: a tag or branch to pin, or a SHA to check for impostors.
 */
function targetOf(ref: DependencyRef): ActionTarget | null {
  const [owner, repo] = ref.name.split('/');
  if (!owner || !repo || (ref.value === null && ref.digest === null)) return null;
  return { repository: `${owner}/${repo}`, ref: ref.value, sha: ref.digest };
}

/** GitHub Actions `uses:` refs to commit SHAs, and pinned SHAs checked against their repository. */
export function githubTagsDatasource(resolver: ActionTargetResolver): Datasource {
  return {
    lookupKey(ref) {
      const target = targetOf(ref);
      return target ? targetKey(target) : null;
    },
    async resolve(ref) {
      const target = targetOf(ref);
      if (!target) return { ok: false, message: `"${ref.name}" is not an owner/repo action reference` };
      return resolver.resolve(target);
    },
  };
}

export { ActionResolver, type ActionTarget } from './action-resolver.js';
export { DEFAULT_GITHUB_API_URL, GitHubApi, parseGitHubApiUrl, type GitHubApiOptions } from './github-api.js';
