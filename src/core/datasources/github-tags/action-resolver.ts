import { z } from 'zod';
import type { LookupResult } from '../datasource.js';
import { refPath, type ApiFailure, type GitHubApi } from './github-api.js';
import { bySpecificity, inSeries, isGitRefName, isWithin, seriesPrefix } from './release-tags.js';
import { quoteOutsideText } from '../outside-text.js';

/** What one action lookup is about; the action's path inside the repository does not matter. */
export interface ActionTarget {
  /** `owner/repo`. */
  repository: string;
  /** The tag or branch to resolve; for a pinned SHA, the tag its comment names; null for a bare SHA. */
  ref: string | null;
  /** The 40-hex commit the reference is pinned to, or null. */
  sha: string | null;
}

export interface ActionResolverOptions {
  /** Annotated tags peeled at most per lookup while looking for the most specific tag at a commit. */
  maxPeels?: number;
}

/** A tag or branch as a ref listing shows it: lightweight tags and branches point at commits, annotated tags at tag objects. */
interface RefEntry {
  name: string;
  type: string;
  sha: string;
}

/** A listing of the tags in one series (`v4`, `v4.*`), shared by every lookup of that series. */
interface Series {
  prefix: string;
  tags: RefEntry[];
}

type Failure = { ok: false; message: string };
type Outcome<T> = ({ ok: true } & T) | Failure;
type Resolved = Outcome<{ commit: string; kind: 'tag' | 'branch'; series: Series }> | (Failure & { missing: Series });

// https://docs.github.com/rest/git/refs#list-matching-references
const refSchema = z.looseObject({
  ref: z.string(),
  object: z.looseObject({ type: z.string(), sha: z.string().regex(/^[0-9a-f]{40}$/) }),
});
// https://docs.github.com/rest/git/tags#get-a-tag
const tagObjectSchema = z.looseObject({ object: z.looseObject({ type: z.string(), sha: z.string().regex(/^[0-9a-f]{40}$/) }) });
const repositorySchema = z.looseObject({ default_branch: z.string().min(1) });
// https://docs.github.com/rest/commits/commits#compare-two-commits
const comparisonSchema = z.looseObject({ status: z.string() });

// A tag may point at another tag; real chains are one or two long.
const MAX_TAG_DEPTH = 8;

/**
 * Turns an action's `@ref` into the commit to pin and the tag to name in the comment, and checks
 * that an already pinned commit belongs to the repository it claims (not only to a fork).
 * One answer per distinct target for the lifetime of the resolver; the API client below it
 * shares every request (a tag listing, a peeled tag, a comparison) between lookups.
 */
export class ActionResolver {
  readonly #api: GitHubApi;
  readonly #maxPeels: number;
  readonly #lookups = new Map<string, Promise<LookupResult>>();

  constructor(api: GitHubApi, options: ActionResolverOptions = {}) {
    this.#api = api;
    this.#maxPeels = options.maxPeels ?? 30;
  }

  resolve(target: ActionTarget): Promise<LookupResult> {
    const key = targetKey(target);
    let lookup = this.#lookups.get(key);
    if (!lookup) {
      lookup = this.#resolve(target);
      this.#lookups.set(key, lookup);
    }
    return lookup;
  }

  async #resolve({ repository, ref, sha }: ActionTarget): Promise<LookupResult> {
    const at = `action ${repository}@${sha ?? ref ?? ''}`;
    const result = sha === null ? await this.#pinRef(repository, ref ?? '') : ref === null ? await this.#checkCommit(repository, sha.toLowerCase()) : await this.#checkCommented(repository, sha.toLowerCase(), ref);
    return result.ok ? result : { ok: false, message: `${at}: ${result.message}` };
  }

  /** `@v4` → the commit v4 points at, named by the most specific tag there (`v4.2.2`). */
  async #pinRef(repository: string, ref: string): Promise<LookupResult> {
    const resolved = await this.#resolveRef(repository, ref);
    if (!resolved.ok) return resolved;
    const tag = await this.#tagFor(repository, resolved, ref);
    if (!tag.ok) return tag;
    return { ok: true, pin: { digest: resolved.commit, tag: tag.name } };
  }

  /**
   * `@<sha> # <tag>`. When the tag still points at the SHA, the pin is current. When it does not,
   * either the comment is wrong or the tag has moved:
   * - the SHA is itself the commit of another tag of the series, outside the commented one
   *   (`# v4.2.2` on v4.2.1's commit): the SHA is what runs, so the comment is corrected;
   * - otherwise the tag moved on (a floating `v4` got v4.3.0, or a release was re-tagged): the
   *   SHA is refreshed to the tag's commit, once the old SHA is shown to be upstream's, so an
   *   impostor commit is reported rather than silently replaced.
   */
  async #checkCommented(repository: string, sha: string, ref: string): Promise<LookupResult> {
    const resolved = await this.#resolveRef(repository, ref);
    if (!resolved.ok && !('missing' in resolved)) return resolved;
    if (resolved.ok && resolved.commit === sha) return { ok: true, pin: { digest: sha, tag: ref } };

    const series = resolved.ok ? resolved.series : resolved.missing;
    const atSha = await this.#mostSpecificTagAt(repository, series, sha);
    if (!atSha.ok) return atSha;
    if (atSha.name !== null && (!resolved.ok || !isWithin(atSha.name, ref))) {
      return { ok: true, pin: { digest: sha, tag: atSha.name, note: `the comment said ${ref}, but ${short(sha)} is ${atSha.name}: comment corrected` } };
    }
    if (!resolved.ok) return { ok: false, message: `${resolved.message} (named in the comment after the pinned commit)` };

    if (atSha.name === null) {
      // A tag of the repository points at a commit in the repository; an untagged one must be shown to be there.
      const upstream = await this.#isUpstream(repository, sha, resolved.commit);
      if (!upstream.ok) return upstream;
      if (!upstream.reachable) return { ok: false, message: impostor(repository, sha) };
    }
    const tag = await this.#tagFor(repository, resolved, ref);
    if (!tag.ok) return tag;
    return { ok: true, pin: { digest: resolved.commit, tag: tag.name, note: `${ref} moved from ${short(sha)} to ${short(resolved.commit)}` } };
  }

  /** A bare `@<sha>`: pinned already, as long as the commit is the repository's own. */
  async #checkCommit(repository: string, sha: string): Promise<LookupResult> {
    const upstream = await this.#isUpstream(repository, sha, null);
    if (!upstream.ok) return upstream;
    if (!upstream.reachable) {
      return {
        ok: false,
        message: `${impostor(repository, sha)} (only the default branch "${upstream.defaultBranch}" was searched; a "# <tag>" comment after the SHA names a tag to search too)`,
      };
    }
    return { ok: true, pin: { digest: sha } };
  }

  /**
   * Tag first, then branch, as git disambiguates a name (https://git-scm.com/docs/gitrevisions).
   * The tag listing is by series prefix, so it also serves the most-specific-tag search, and it
   * holds prefix matches (`v4` lists `v4.0.0`, `v40.1.0`): only the exact name is the ref.
   */
  async #resolveRef(repository: string, ref: string): Promise<Resolved> {
    const series = await this.#series(repository, ref);
    if (!series.ok) return series;
    const tag = series.series.tags.find((entry) => entry.name === ref);
    if (tag) {
      const commit = await this.#peel(repository, tag);
      return commit.ok ? { ok: true, commit: commit.sha, kind: 'tag', series: series.series } : commit;
    }
    const heads = await this.#api.getAll(`/repos/${repoPath(repository)}/git/matching-refs/heads/${refPath(ref)}?per_page=100`, refSchema);
    if (!heads.ok) return this.#explain(repository, heads);
    const branch = heads.data.find((entry) => entry.ref === `refs/heads/${ref}`);
    if (branch) return { ok: true, commit: branch.object.sha, kind: 'branch', series: series.series };
    return { ok: false, message: `no tag or branch "${ref}" in ${repository}`, missing: series.series };
  }

  async #series(repository: string, ref: string): Promise<Outcome<{ series: Series }>> {
    const prefix = seriesPrefix(ref);
    const listed = await this.#api.getAll(`/repos/${repoPath(repository)}/git/matching-refs/tags/${refPath(prefix)}?per_page=100`, refSchema);
    if (!listed.ok) return this.#explain(repository, listed);
    const tags = listed.data
      .filter((entry) => entry.ref.startsWith('refs/tags/'))
      .map((entry) => ({ name: entry.ref.slice('refs/tags/'.length), type: entry.object.type, sha: entry.object.sha }));
    // A tag name ends up in the workflow file: one git could not hold is a hostile answer, not a tag.
    const invalid = tags.find((tag) => !isGitRefName(tag.name));
    if (invalid) return { ok: false, message: `GitHub's tag listing for ${repository} names the tag ${quoteOutsideText(invalid.name)}, which is not a valid git ref name; not pinned` };
    return { ok: true, series: { prefix, tags } };
  }

  /** A branch is named by itself (its tags would need a listing of every tag); a tag by the most specific tag at its commit. */
  async #tagFor(repository: string, resolved: { commit: string; kind: 'tag' | 'branch'; series: Series }, ref: string): Promise<Outcome<{ name: string }>> {
    if (resolved.kind === 'branch') return { ok: true, name: ref };
    const found = await this.#mostSpecificTagAt(repository, resolved.series, resolved.commit);
    return found.ok ? { ok: true, name: found.name ?? ref } : found;
  }

  /**
   * The most specific tag of a series at a commit, or null. Candidates are tried most specific
   * first, so the first match wins: lightweight tags cost nothing (the listing names their
   * commit), annotated ones one request each, and for the usual floating tag the newest exact
   * release is the first candidate tried.
   */
  async #mostSpecificTagAt(repository: string, series: Series, commit: string): Promise<Outcome<{ name: string | null }>> {
    const candidates = series.tags.filter((tag) => inSeries(tag.name, series.prefix)).sort((a, b) => bySpecificity(a.name, b.name));
    let peels = 0;
    for (const tag of candidates) {
      if (tag.type === 'commit') {
        if (tag.sha === commit) return { ok: true, name: tag.name };
        continue;
      }
      if (tag.type !== 'tag' || peels >= this.#maxPeels) continue;
      peels += 1;
      const peeled = await this.#peel(repository, tag);
      if (!peeled.ok) return peeled;
      if (peeled.sha === commit) return { ok: true, name: tag.name };
    }
    return { ok: true, name: null };
  }

  /** The commit an annotated tag points at, through tags of tags (https://git-scm.com/docs/git-tag). */
  async #peel(repository: string, entry: RefEntry): Promise<Outcome<{ sha: string }>> {
    let { type, sha } = entry;
    for (let depth = 0; type === 'tag' && depth < MAX_TAG_DEPTH; depth += 1) {
      const tag = await this.#api.get(`/repos/${repoPath(repository)}/git/tags/${sha}`, tagObjectSchema);
      if (!tag.ok) return this.#explain(repository, tag);
      ({ type, sha } = tag.data.object);
    }
    if (type !== 'commit') return { ok: false, message: `tag "${entry.name}" in ${repository} points at a ${type}, not a commit` };
    return { ok: true, sha };
  }

  /**
   * Whether a commit is in the repository's own history, not only in its fork network: GitHub
   * serves any commit of the network under every repository of it, so a commit pushed to a fork
   * resolves as `owner/repo@<sha>` too (https://www.chainguard.dev/unchained/what-the-fork-imposter-commits-in-github-actions-and-ci-cd).
   * As zizmor's impostor-commit audit does, a ref contains the commit when comparing the ref
   * with it says `behind` or `identical`; tried against the default branch, then the commit the
   * commented tag points at. A 404 means no common history.
   */
  async #isUpstream(repository: string, sha: string, tagCommit: string | null): Promise<Outcome<{ reachable: boolean; defaultBranch: string }>> {
    const repo = await this.#api.get(`/repos/${repoPath(repository)}`, repositorySchema);
    if (!repo.ok) return this.#explain(repository, repo);
    const defaultBranch = repo.data.default_branch;
    for (const base of [refPath(defaultBranch), ...(tagCommit ? [tagCommit] : [])]) {
      const compared = await this.#api.get(`/repos/${repoPath(repository)}/compare/${base}...${sha}?per_page=1`, comparisonSchema);
      if (!compared.ok && compared.status !== 404 && compared.status !== 422) return compared;
      if (compared.ok && (compared.data.status === 'behind' || compared.data.status === 'identical')) return { ok: true, reachable: true, defaultBranch };
    }
    return { ok: true, reachable: false, defaultBranch };
  }

  /** A 404 on a repository's endpoints means the repository is not there, or not visible. */
  #explain(repository: string, failure: ApiFailure): Failure {
    if (failure.status !== 404) return { ok: false, message: failure.message };
    const hint = this.#api.authenticated ? 'or the token cannot read it' : 'or it is private: set GITHUB_TOKEN';
    return { ok: false, message: `repository ${repository} not found on ${this.#api.host} (${hint})` };
  }
}

/** The identity of a lookup: `owner/repo` compares without case, as GitHub does. */
export function targetKey({ repository, ref, sha }: ActionTarget): string {
  return `${repository.toLowerCase()}@${sha?.toLowerCase() ?? ''}#${ref ?? ''}`;
}

function repoPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function impostor(repository: string, sha: string): string {
  return `commit ${sha} is not in ${repository} (it may come from a fork: an impostor commit); pin a commit from the upstream repository`;
}
