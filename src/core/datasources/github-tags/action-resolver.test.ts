import { createHash } from 'node:crypto';
import nock from 'nock';
import type { DependencyRef } from '../../reference.js';
import { ActionResolver, type ActionTarget } from './action-resolver.js';
import { GitHubApi, type GitHubApiOptions } from './github-api.js';
import { githubTagsDatasource } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

/** Commit and tag object ids are SHA-1s of a label: no made-up hex in the tests. */
const sha = (label: string) => createHash('sha1').update(label).digest('hex');
const API = 'https://api.github.com';

/** A matching-refs entry as GitHub serves it. */
function refEntry(ref: string, type: 'commit' | 'tag', object: string) {
  return { ref, node_id: `REF_${ref}`, url: `${API}/repos/x/y/git/${ref}`, object: { type, sha: object, url: `${API}/repos/x/y/git/${type}s/${object}` } };
}
const lightweight = (name: string, commit: string) => refEntry(`refs/tags/${name}`, 'commit', commit);
const annotated = (name: string, tagObject: string) => refEntry(`refs/tags/${name}`, 'tag', tagObject);
const branch = (name: string, commit: string) => refEntry(`refs/heads/${name}`, 'commit', commit);
const tagObject = (tag: string, type: 'commit' | 'tag', object: string) => ({ sha: sha(`tag object ${tag}`), tag, object: { type, sha: object } });

function newResolver(options: GitHubApiOptions = {}) {
  const api = new GitHubApi({ sleep: async () => {}, ...options });
  return { api, resolver: new ActionResolver(api) };
}
const target = (repository: string, ref: string | null, pinned: string | null = null): ActionTarget => ({ repository, ref, sha: pinned });

useNock();

describe('ActionResolver: tag or branch to commit', () => {
  it('picks the exact tag out of a prefix listing and names the most specific lightweight tag at its commit, in one request', async () => {
    const c422 = sha('checkout v4.2.2');
    const scope = nock(API)
      .get('/repos/actions/checkout/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [
        lightweight('v4', c422),
        lightweight('v4.0.0', sha('checkout v4.0.0')),
        lightweight('v4.2', c422),
        lightweight('v4.2.1', sha('checkout v4.2.1')),
        lightweight('v4.2.2', c422),
        // A prefix match of another series on the same commit: more specific-looking, never chosen.
        lightweight('v40.1.0', c422),
      ]);
    const { resolver, api } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4'))).resolves.toEqual({ ok: true, pin: { digest: c422, tag: 'v4.2.2' } });
    await expect(resolver.resolve(target('actions/checkout', 'v4.2'))).resolves.toEqual({ ok: true, pin: { digest: c422, tag: 'v4.2.2' } });
    expect(scope.isDone()).toBe(true);
    expect(api.stats.requests).toBe(1);
  });

  it('peels annotated tags (a tag of a tag included), trying the most specific candidate first and nothing more', async () => {
    const commit = sha('setup-node v4.1.0');
    const v4 = tagObject('v4', 'commit', commit);
    const v410outer = tagObject('v4.1.0', 'tag', sha('tag object v4.1.0 inner'));
    const v410inner = { sha: sha('tag object v4.1.0 inner'), tag: 'v4.1.0', object: { type: 'commit', sha: commit } };
    const scope = nock(API)
      .get('/repos/actions/setup-node/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [
        annotated('v4', v4.sha),
        annotated('v4.0.4', sha('tag object v4.0.4')),
        annotated('v4.1.0', v410outer.sha),
        annotated('v4.1.0-rc.1', sha('tag object v4.1.0-rc.1')),
      ])
      .get(`/repos/actions/setup-node/git/tags/${v4.sha}`)
      .reply(200, v4)
      .get(`/repos/actions/setup-node/git/tags/${v410outer.sha}`)
      .reply(200, v410outer)
      .get(`/repos/actions/setup-node/git/tags/${v410inner.sha}`)
      .reply(200, v410inner);
    const { resolver, api } = newResolver();
    await expect(resolver.resolve(target('actions/setup-node', 'v4'))).resolves.toEqual({ ok: true, pin: { digest: commit, tag: 'v4.1.0' } });
    expect(scope.isDone()).toBe(true);
    expect(api.stats.requests).toBe(4);
  });

  it('falls back to branches, picking the exact name out of the prefix matches', async () => {
    const head = sha('shared main');
    const scope = nock(API)
      .get('/repos/octo-org/shared/git/matching-refs/tags/release')
      .query({ per_page: '100' })
      .reply(200, [lightweight('release-2023', sha('release-2023')), lightweight('releases/1', sha('releases/1'))])
      .get('/repos/octo-org/shared/git/matching-refs/heads/release')
      .query({ per_page: '100' })
      .reply(200, [branch('release-2024', sha('release-2024 head')), branch('release', head), branch('releases/v2', sha('v2 head'))]);
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('octo-org/shared', 'release'))).resolves.toEqual({ ok: true, pin: { digest: head, tag: 'release' } });
    expect(scope.isDone()).toBe(true);
  });

  it('says which tag or branch is missing, and which repository is', async () => {
    const scope = nock(API)
      .get('/repos/actions/checkout/git/matching-refs/tags/v9')
      .query({ per_page: '100' })
      .reply(200, [lightweight('v9000', sha('v9000'))])
      .get('/repos/actions/checkout/git/matching-refs/heads/v9')
      .query({ per_page: '100' })
      .reply(200, [])
      .get('/repos/acme/no-such-action/git/matching-refs/tags/v1')
      .query({ per_page: '100' })
      .reply(404, { message: 'Not Found' });
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v9'))).resolves.toEqual({ ok: false, message: 'action actions/checkout@v9: no tag or branch "v9" in actions/checkout' });
    await expect(resolver.resolve(target('acme/no-such-action', 'v1'))).resolves.toEqual({
      ok: false,
      message: 'action acme/no-such-action@v1: repository acme/no-such-action not found on api.github.com (or it is private: set GITHUB_TOKEN)',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('shares one answer between concurrent lookups, and one tag listing between refs of a series', async () => {
    const c = sha('cache v4.1.2');
    const scope = nock(API)
      .get('/repos/actions/cache/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .delay(20)
      .reply(200, [lightweight('v4', c), lightweight('v4.1.2', c)]);
    const { resolver, api } = newResolver();
    const answers = await Promise.all([
      resolver.resolve(target('actions/cache', 'v4')),
      resolver.resolve(target('Actions/Cache', 'v4')),
      resolver.resolve(target('actions/cache', 'v4.1.2')),
    ]);
    expect(answers).toEqual([0, 1, 2].map(() => ({ ok: true, pin: { digest: c, tag: 'v4.1.2' } })));
    expect(scope.isDone()).toBe(true);
    expect(api.stats.requests).toBe(1);
  });

  it('talks to GitHub Enterprise Server at GITHUB_API_URL with the token as Bearer', async () => {
    const c = sha('ghe checkout v4.2.2');
    const scope = nock('https://ghe.example.com', { reqheaders: { authorization: 'Bearer ghe-token-value', 'x-github-api-version': '2022-11-28' } })
      .get('/api/v3/repos/actions/checkout/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [lightweight('v4', c), lightweight('v4.2.2', c)]);
    const { resolver } = newResolver({ baseUrl: 'https://ghe.example.com/api/v3/', token: 'ghe-token-value' });
    await expect(resolver.resolve(target('actions/checkout', 'v4'))).resolves.toEqual({ ok: true, pin: { digest: c, tag: 'v4.2.2' } });
    expect(scope.isDone()).toBe(true);
  });
});

describe('ActionResolver: a pinned SHA and its version comment', () => {
  const series = (repo: string, tags: ReturnType<typeof lightweight>[]) =>
    nock(API).get(`/repos/${repo}/git/matching-refs/tags/v4`).query({ per_page: '100' }).reply(200, tags);

  it('is current when the commented tag still points at the SHA, and keeps the comment as written', async () => {
    const c = sha('checkout v4.2.2');
    const scope = series('actions/checkout', [lightweight('v4', c), lightweight('v4.2.2', c)]);
    const { resolver, api } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4', c))).resolves.toEqual({ ok: true, pin: { digest: c, tag: 'v4' } });
    expect(scope.isDone()).toBe(true);
    expect(api.stats.requests).toBe(1);
  });

  it('refreshes the SHA when a floating tag moved on from a release', async () => {
    const old = sha('checkout v4.2.2');
    const now = sha('checkout v4.3.0');
    const scope = series('actions/checkout', [lightweight('v4', now), lightweight('v4.2.2', old), lightweight('v4.3.0', now)]);
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4', old))).resolves.toEqual({
      ok: true,
      pin: { digest: now, tag: 'v4.3.0', note: `v4 moved from ${old.slice(0, 12)} to ${now.slice(0, 12)}` },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('refreshes the SHA when a release was re-tagged, once the old commit is shown to be upstream', async () => {
    const old = sha('upload-artifact v4.4.3 first build');
    const now = sha('upload-artifact v4.4.3 rebuilt');
    const scope = series('actions/upload-artifact', [lightweight('v4', now), lightweight('v4.4.3', now)])
      .get('/repos/actions/upload-artifact')
      .reply(200, { full_name: 'actions/upload-artifact', default_branch: 'main' })
      .get(`/repos/actions/upload-artifact/compare/main...${old}`)
      .query({ per_page: '1' })
      .reply(200, { status: 'behind', ahead_by: 0, behind_by: 3 });
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/upload-artifact', 'v4.4.3', old))).resolves.toEqual({
      ok: true,
      pin: { digest: now, tag: 'v4.4.3', note: `v4.4.3 moved from ${old.slice(0, 12)} to ${now.slice(0, 12)}` },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('corrects a comment that names another release than the SHA is (the SHA is what runs)', async () => {
    const c421 = sha('checkout v4.2.1');
    const c422 = sha('checkout v4.2.2');
    const scope = series('actions/checkout', [lightweight('v4', c422), lightweight('v4.2.1', c421), lightweight('v4.2.2', c422)]);
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4.2.2', c421))).resolves.toEqual({
      ok: true,
      pin: { digest: c421, tag: 'v4.2.1', note: `the comment said v4.2.2, but ${c421.slice(0, 12)} is v4.2.1: comment corrected` },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('corrects a comment naming a tag that does not exist, when the SHA is a release; reports it otherwise', async () => {
    const c = sha('checkout v4.2.2');
    const untagged = sha('checkout untagged');
    const scope = series('actions/checkout', [lightweight('v4', c), lightweight('v4.2.2', c)])
      .get('/repos/actions/checkout/git/matching-refs/heads/v4.9.9')
      .query({ per_page: '100' })
      .reply(200, []);
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4.9.9', c))).resolves.toEqual({
      ok: true,
      pin: { digest: c, tag: 'v4.2.2', note: `the comment said v4.9.9, but ${c.slice(0, 12)} is v4.2.2: comment corrected` },
    });
    await expect(resolver.resolve(target('actions/checkout', 'v4.9.9', untagged))).resolves.toEqual({
      ok: false,
      message: `action actions/checkout@${untagged}: no tag or branch "v4.9.9" in actions/checkout (named in the comment after the pinned commit)`,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('rejects an impostor commit: neither the default branch nor the commented tag contains it', async () => {
    const release = sha('checkout v4.2.2');
    const forked = sha('commit pushed to a fork of actions/checkout');
    const scope = series('actions/checkout', [lightweight('v4', release), lightweight('v4.2.2', release)])
      .get('/repos/actions/checkout')
      .reply(200, { default_branch: 'main' })
      .get(`/repos/actions/checkout/compare/main...${forked}`)
      .query({ per_page: '1' })
      .reply(200, { status: 'diverged', ahead_by: 1, behind_by: 40 })
      .get(`/repos/actions/checkout/compare/${release}...${forked}`)
      .query({ per_page: '1' })
      .reply(404, { message: 'Not Found' });
    const { resolver } = newResolver();
    await expect(resolver.resolve(target('actions/checkout', 'v4.2.2', forked))).resolves.toEqual({
      ok: false,
      message: `action actions/checkout@${forked}: commit ${forked} is not in actions/checkout (it may come from a fork: an impostor commit); pin a commit from the upstream repository`,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('accepts a bare SHA in the default branch history and rejects one that is not', async () => {
    const onMain = sha('cache commit on main');
    const forked = sha('cache commit on a fork');
    const scope = nock(API)
      .get('/repos/actions/cache')
      .reply(200, { default_branch: 'main' })
      .get(`/repos/actions/cache/compare/main...${onMain}`)
      .query({ per_page: '1' })
      .reply(200, { status: 'behind' })
      .get(`/repos/actions/cache/compare/main...${forked}`)
      .query({ per_page: '1' })
      .reply(200, { status: 'ahead' });
    const { resolver, api } = newResolver();
    await expect(resolver.resolve(target('actions/cache', null, onMain))).resolves.toEqual({ ok: true, pin: { digest: onMain } });
    await expect(resolver.resolve(target('actions/cache', null, forked.toUpperCase()))).resolves.toEqual({
      ok: false,
      message:
        `action actions/cache@${forked.toUpperCase()}: commit ${forked} is not in actions/cache (it may come from a fork: an impostor commit); pin a commit from the upstream repository ` +
        '(only the default branch "main" was searched; a "# <tag>" comment after the SHA names a tag to search too)',
    });
    expect(scope.isDone()).toBe(true);
    expect(api.stats.requests).toBe(3);
  });
});

describe('githubTagsDatasource', () => {
  const ref = (name: string, value: string | null, digest: string | null): DependencyRef => ({
    file: '.github/workflows/ci.yml',
    line: 3,
    manager: 'github-actions',
    datasource: 'github-tags',
    name,
    value,
    digest,
    pinned: digest !== null,
    skipped: null,
  });

  it('keys lookups by repository and ref, so sub-path actions and reusable workflows share them', () => {
    const datasource = githubTagsDatasource({ resolve: async () => ({ ok: false, message: 'unused' }) });
    expect(datasource.lookupKey(ref('actions/cache/restore', 'v4', null))).toBe(datasource.lookupKey(ref('actions/cache', 'v4', null)));
    expect(datasource.lookupKey(ref('Octo-Org/shared/.github/workflows/a.yml', 'v2', null))).toBe(datasource.lookupKey(ref('octo-org/shared/.github/workflows/b.yml', 'v2', null)));
    expect(datasource.lookupKey(ref('actions/cache', 'v4', sha('x')))).not.toBe(datasource.lookupKey(ref('actions/cache', 'v4', null)));
    expect(datasource.lookupKey(ref('actions/cache', null, sha('x')))).not.toBeNull();
    expect(datasource.lookupKey(ref('not-an-action', 'v1', null))).toBeNull();
  });

  it('hands the resolver the repository, the ref and the SHA', async () => {
    const seen: ActionTarget[] = [];
    const datasource = githubTagsDatasource({
      resolve: async (t) => {
        seen.push(t);
        return { ok: true, pin: { digest: sha('any') } };
      },
    });
    await datasource.resolve(ref('github/codeql-action/init', 'v3.27.5', sha('codeql')));
    expect(seen).toEqual([{ repository: 'github/codeql-action', ref: 'v3.27.5', sha: sha('codeql') }]);
  });
});

describe('ActionResolver: hostile tag names', () => {
  it('a listed tag name git could not hold (a newline that would start an env: block) is an error, never a comment', async () => {
    const commit = sha('checkout v4.2.2');
    nock(API)
      .get('/repos/actions/checkout/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [lightweight('v4', commit), lightweight('v4.2.2\n    env:\n      GITHUB_TOKEN: x', commit)]);
    await expect(newResolver().resolver.resolve(target('actions/checkout', 'v4'))).resolves.toEqual({
      ok: false,
      message: 'action actions/checkout@v4: GitHub\'s tag listing for actions/checkout names the tag "v4.2.2\\n    env:\\n      GITHUB_TOKEN: x", which is not a valid git ref name; not pinned',
    });
  });
});
