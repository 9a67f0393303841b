import nock from 'nock';
import { z } from 'zod';
import { GitHubApi, parseGitHubApiUrl, type GitHubApiOptions } from './github-api.js';
import { useNock } from '../../../../test/support/nock.js';

const API = 'https://api.github.com';
const repoSchema = z.looseObject({ default_branch: z.string() });
const refSchema = z.looseObject({ ref: z.string() });
const NOW = Date.parse('2025-01-06T06:00:00Z');

/** A client whose waits are recorded instead of slept, on a fixed clock. */
function newApi(options: GitHubApiOptions = {}) {
  const sleeps: number[] = [];
  const api = new GitHubApi({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    baseDelayMs: 100,
    ...options,
  });
  return { api, sleeps };
}

useNock();

describe('GitHubApi', () => {
  it('sends the REST headers, and the token only as Bearer', async () => {
    const scope = nock(API, {
      reqheaders: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', authorization: 'Bearer secret-token-1', 'user-agent': 'repro-pins' },
    })
      .get('/repos/actions/checkout')
      .reply(200, { default_branch: 'main' });
    const { api } = newApi({ token: 'secret-token-1' });
    await expect(api.get('/repos/actions/checkout', repoSchema)).resolves.toEqual({ ok: true, data: { default_branch: 'main' } });
    expect(scope.isDone()).toBe(true);
  });

  it('sends no authorization header without a token', async () => {
    const scope = nock(API, { badheaders: ['authorization'] })
      .get('/repos/actions/checkout')
      .reply(200, { default_branch: 'main' });
    const { api } = newApi();
    expect((await api.get('/repos/actions/checkout', repoSchema)).ok).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('retries 5xx with backoff, then answers', async () => {
    const scope = nock(API).get('/repos/a/b').reply(502).get('/repos/a/b').reply(503).get('/repos/a/b').reply(200, { default_branch: 'trunk' });
    const { api, sleeps } = newApi();
    await expect(api.get('/repos/a/b', repoSchema)).resolves.toEqual({ ok: true, data: { default_branch: 'trunk' } });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(api.stats).toEqual({ requests: 3, retries: 2 });
    expect(scope.isDone()).toBe(true);
  });

  it('says what the last 5xx was after the last try', async () => {
    const scope = nock(API).get('/repos/a/b').times(3).reply(500, { message: 'Server Error' });
    const { api } = newApi({ maxAttempts: 3 });
    await expect(api.get('/repos/a/b', repoSchema)).resolves.toEqual({
      ok: false,
      status: 500,
      message: 'GitHub API api.github.com answered 500 Internal Server Error (Server Error) after 3 attempts',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('waits for the primary rate limit to reset (403, x-ratelimit-remaining: 0)', async () => {
    const reset = NOW / 1000 + 12;
    const scope = nock(API)
      .get('/repos/a/b')
      .reply(403, { message: 'API rate limit exceeded for 192.0.2.1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) })
      .get('/repos/a/b')
      .reply(200, { default_branch: 'main' });
    const { api, sleeps } = newApi();
    expect((await api.get('/repos/a/b', repoSchema)).ok).toBe(true);
    expect(sleeps).toEqual([12_000]);
    expect(scope.isDone()).toBe(true);
  });

  it('honours Retry-After on a 429 and on a secondary rate limit', async () => {
    const scope = nock(API)
      .get('/repos/a/b')
      .reply(429, {}, { 'retry-after': '3' })
      .get('/repos/a/b')
      .reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '7' })
      .get('/repos/a/b')
      .reply(200, { default_branch: 'main' });
    const { api, sleeps } = newApi();
    expect((await api.get('/repos/a/b', repoSchema)).ok).toBe(true);
    expect(sleeps).toEqual([3_000, 7_000]);
    expect(scope.isDone()).toBe(true);
  });

  it('gives up at once when the limit resets too far away, suggesting a token', async () => {
    const reset = NOW / 1000 + 3600;
    const scope = nock(API)
      .get('/repos/a/b')
      .reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
    const { api, sleeps } = newApi();
    await expect(api.get('/repos/a/b', repoSchema)).resolves.toEqual({
      ok: false,
      status: 403,
      message: 'GitHub API api.github.com rate limit exceeded until 2025-01-06T07:00:00.000Z; set GITHUB_TOKEN for a higher limit',
    });
    expect(sleeps).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('does not retry a plain 403 or 404, and never puts the token in a message', async () => {
    const scope = nock(API)
      .get('/repos/a/private')
      .reply(403, { message: 'Resource not accessible by integration' })
      .get('/repos/a/gone')
      .reply(404, { message: 'Not Found' })
      .get('/repos/a/denied')
      .reply(401, { message: 'Bad credentials' });
    const { api, sleeps } = newApi({ token: 'secret-token-2' });
    const answers = [await api.get('/repos/a/private', repoSchema), await api.get('/repos/a/gone', repoSchema), await api.get('/repos/a/denied', repoSchema)];
    expect(answers).toEqual([
      { ok: false, status: 403, message: 'GitHub API api.github.com answered 403 Forbidden (Resource not accessible by integration)' },
      { ok: false, status: 404, message: 'GitHub API api.github.com answered 404 Not Found (Not Found)' },
      { ok: false, status: 401, message: 'GitHub API api.github.com rejected the token (401 Unauthorized): check that GITHUB_TOKEN is valid and not expired' },
    ]);
    expect(JSON.stringify(answers)).not.toContain('secret-token-2');
    expect(sleeps).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('retries network errors and says which host could not be reached', async () => {
    const scope = nock(API).get('/repos/a/b').times(2).replyWithError(new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }));
    const { api } = newApi({ maxAttempts: 2 });
    await expect(api.get('/repos/a/b', repoSchema)).resolves.toEqual({ ok: false, status: null, message: 'could not reach GitHub API api.github.com: ECONNRESET after 2 attempts' });
    expect(scope.isDone()).toBe(true);
  });

  it('follows Link: rel="next" on the API origin only, and reads an object as a one-item list', async () => {
    const path = '/repos/a/b/git/matching-refs/tags/v1';
    const scope = nock(API)
      .get(path)
      .query({ per_page: '100' })
      .reply(200, [{ ref: 'refs/tags/v1' }], { link: `<${API}/repositories/42/git/matching-refs/tags/v1?per_page=100&page=2>; rel="next", <${API}/x?page=2>; rel="last"` })
      .get('/repositories/42/git/matching-refs/tags/v1')
      .query({ per_page: '100', page: '2' })
      .reply(200, [{ ref: 'refs/tags/v1.0.0' }], { link: '<https://elsewhere.example.com/steal?page=3>; rel="next"' })
      .get('/repos/a/b/git/ref/tags/v2')
      .reply(200, { ref: 'refs/tags/v2' });
    const { api } = newApi({ token: 'secret-token-3' });
    await expect(api.getAll(`${path}?per_page=100`, refSchema)).resolves.toEqual({ ok: true, data: [{ ref: 'refs/tags/v1' }, { ref: 'refs/tags/v1.0.0' }] });
    await expect(api.getAll('/repos/a/b/git/ref/tags/v2', refSchema)).resolves.toEqual({ ok: true, data: [{ ref: 'refs/tags/v2' }] });
    expect(scope.isDone()).toBe(true);
  });

  it('reports a document of the wrong shape instead of trusting it', async () => {
    const scope = nock(API).get('/repos/a/b').reply(200, { default_branch: 42 });
    const { api } = newApi();
    await expect(api.get('/repos/a/b', repoSchema)).resolves.toEqual({ ok: false, status: 200, message: 'GitHub API api.github.com answered an unexpected document for /repos/a/b' });
    expect(scope.isDone()).toBe(true);
  });
});

describe('parseGitHubApiUrl', () => {
  it('accepts https roots (trailing slash dropped) and plain http only on loopback', () => {
    expect(parseGitHubApiUrl('https://api.github.com')).toEqual({ ok: true, url: 'https://api.github.com' });
    expect(parseGitHubApiUrl('https://ghe.example.com/api/v3/')).toEqual({ ok: true, url: 'https://ghe.example.com/api/v3' });
    expect(parseGitHubApiUrl('http://127.0.0.1:8080/api')).toEqual({ ok: true, url: 'http://127.0.0.1:8080/api' });
    expect(parseGitHubApiUrl('http://ghe.example.com/api/v3')).toEqual({ ok: false, message: '"http://ghe.example.com/api/v3" must be an https:// URL (plain http only for loopback hosts)' });
    expect(parseGitHubApiUrl('api.github.com')).toEqual({ ok: false, message: '"api.github.com" is not a URL' });
    expect(parseGitHubApiUrl('https://user:pw@ghe.example.com/api/v3').ok).toBe(false);
  });
});
