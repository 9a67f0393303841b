import { createHash, generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import pino from 'pino';
import { createApp } from '../../src/app/app.js';
import type { AppRuntime } from '../../src/app/runtime.js';
import type { Scheduler } from '../../src/app/schedule/scheduler.js';

export const API = 'https://api.github.com';
export const WEBHOOK_SECRET = 'webhook-secret-for-tests';
export const INSTALLATION_ID = 4242;
export const BOT = 'repro-pins[bot]';

/** Git's own object id for a blob, so fake trees carry real blob SHAs. */
export function gitBlobSha(text: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest('hex');
}

/** A SHA derived from a label: fake commits and trees get real-shaped, reproducible ids. */
export function shaOf(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

export const { privateKey: testPrivateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** A Probot instance running the App, with retries and throttling off so every request is one nock interceptor. */
export async function startApp(env: NodeJS.ProcessEnv = {}, baseUrl?: string, log = pino({ level: 'silent' })): Promise<Probot & { scheduler: Scheduler; runtime: AppRuntime }> {
  const probot = new Probot({
    appId: 1,
    privateKey: testPrivateKey,
    secret: WEBHOOK_SECRET,
    ...(baseUrl ? { baseUrl } : {}),
    log,
    // The function form wins over the options Probot passes per instance (a plain object does not).
    Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
  });
  let scheduler: Scheduler | undefined;
  let runtime: AppRuntime | undefined;
  // The test registry and package mirrors listen on loopback, which the App refuses unless the operator allows it.
  await probot.load(
    createApp({ env: { DOCKER_CONFIG: '/nonexistent/repro-pins-test', REPRO_PINS_ALLOW_HOSTS: '127.0.0.1', ...env }, onScheduler: (s) => (scheduler = s), onRuntime: (r) => (runtime = r) }),
  );
  return Object.assign(probot, { scheduler: scheduler!, runtime: runtime! });
}

/**
 * The installation token exchange every flow starts with and, when the flow writes the dashboard,
 * the App's own identity (asked once per process: the dashboard is found by its bot author).
 */
export function mockAppAuth(scope: nock.Scope, { identity = true } = {}): nock.Scope {
  scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token: 'ghs_installation_token_for_tests', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
  if (identity) scope.get('/app').reply(200, { id: 1, slug: 'repro-pins', name: 'repro-pins' });
  return scope;
}

export interface FakeRepo {
  owner: string;
  repo: string;
  branch: string;
  commitSha: string;
  treeSha: string;
  files: Record<string, string>;
}

export function fakeRepo(owner: string, repo: string, files: Record<string, string>, label = 'v1'): FakeRepo {
  return { owner, repo, branch: 'main', commitSha: shaOf(`${owner}/${repo} commit ${label}`), treeSha: shaOf(`${owner}/${repo} tree ${label}`), files };
}

/** Mocks one snapshot read: the branch ref, one recursive tree, and the blobs listed in `blobs`. */
export function mockSnapshot(scope: nock.Scope, r: FakeRepo, blobs: string[]): nock.Scope {
  const base = `/repos/${r.owner}/${r.repo}`;
  scope
    .get(`${base}/git/ref/heads%2F${r.branch}`)
    .reply(200, { ref: `refs/heads/${r.branch}`, object: { sha: r.commitSha, type: 'commit' } }, { etag: `"${r.commitSha}"` })
    .get(`${base}/git/trees/${r.commitSha}`)
    .query({ recursive: '1' })
    .reply(200, {
      sha: r.treeSha,
      truncated: false,
      tree: Object.entries(r.files).map(([path, text]) => ({ path, mode: '100644', type: 'blob', sha: gitBlobSha(text), size: Buffer.byteLength(text) })),
    });
  for (const path of blobs) {
    const text = r.files[path]!;
    scope.get(`${base}/git/blobs/${gitBlobSha(text)}`).reply(200, { sha: gitBlobSha(text), encoding: 'base64', content: Buffer.from(text).toString('base64') });
  }
  return scope;
}

export function installationPayload(owner: string, repos: string[]) {
  return {
    action: 'created',
    installation: { id: INSTALLATION_ID, account: { login: owner, type: 'Organization' } },
    repositories: repos.map((name, i) => ({ id: 1000 + i, name, full_name: `${owner}/${name}`, private: false })),
    sender: { login: 'octocat', type: 'User' },
  };
}

/** A new comment; GitHub gives every comment its own id, so each distinct comment in a test needs its own `commentId`. */
export function commentPayload(r: FakeRepo, body: string, user = { login: 'maintainer', type: 'User' }, issueNumber = 7, commentId = 9001) {
  return {
    action: 'created',
    installation: { id: INSTALLATION_ID },
    repository: { name: r.repo, full_name: `${r.owner}/${r.repo}`, owner: { login: r.owner }, default_branch: r.branch },
    issue: { number: issueNumber },
    comment: { id: commentId, body, user },
    sender: user,
  };
}

export function pushPayload(r: FakeRepo, modified: string[]) {
  return {
    ref: `refs/heads/${r.branch}`,
    deleted: false,
    installation: { id: INSTALLATION_ID },
    repository: { name: r.repo, full_name: `${r.owner}/${r.repo}`, owner: { login: r.owner }, default_branch: r.branch },
    commits: [{ id: r.commitSha, added: [], modified, removed: [] }],
    sender: { login: 'dev', type: 'User' },
  };
}

/** A nock body matcher that records what was sent and accepts it. */
export function into<T>(list: T[]): (body: T) => boolean {
  return (body) => {
    list.push(body);
    return true;
  };
}

/** The findings check run a scan publishes on a commit: none there yet, then one created. */
export function mockFindingsCheck(scope: nock.Scope, r: { owner: string; repo: string }, sha: string, sent?: unknown[]): nock.Scope {
  const base = `/repos/${r.owner}/${r.repo}`;
  scope
    .get(`${base}/commits/${sha}/check-runs`)
    .query({ check_name: 'repro-pins/findings', filter: 'latest', per_page: '1' })
    .reply(200, { total_count: 0, check_runs: [] });
  scope.post(`${base}/check-runs`, (body: unknown) => (sent?.push(body), true)).reply(201, { id: 777 });
  return scope;
}
