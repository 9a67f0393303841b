import nock from 'nock';
import pino from 'pino';
import { createProbot, ProbotOctokit } from 'probot';
import { createApp } from '../../src/app/app.js';
import type { Scheduler } from '../../src/app/schedule/scheduler.js';
import { loadTestEnv } from '../support/test-env.js';
import { API, BOT, INSTALLATION_ID, commentPayload, fakeRepo, into, mockAppAuth, mockFindingsCheck, mockSnapshot, shaOf, startApp, testPrivateKey } from './github-fake.js';
import { useNock } from '../support/nock.js';
// A port that was free a moment ago: nothing listens there, so the registry on it is unreachable.
import { freePort } from '../../bench/loopback-registry.js';

const env = loadTestEnv();
const R = env.registry;
const pullsQuery = (owner: string, branch: string) => ({ head: `${owner}:${branch}`, state: 'open', sort: 'created', direction: 'desc', per_page: '100' });

useNock('127.0.0.1');

test('a registry outage in one of two repositories is shown on its dashboard; the other still gets its pin PR', async () => {
  const probot = await startApp();
  const port = await freePort();
  const broken = fakeRepo('acme', 'broken', { Dockerfile: `FROM 127.0.0.1:${port}/gone/base:1.0\n` });
  const healthy = fakeRepo('acme', 'healthy', { Dockerfile: `FROM ${R}/test/app:2.0\n` });
  const issues: { body: string }[] = [];
  const pulls: { head: string }[] = [];
  const scope = mockAppAuth(nock(API));
  scope.get('/installation/repositories').query({ per_page: '100' }).reply(200, {
    total_count: 2,
    repositories: [broken, healthy].map((r) => ({ name: r.repo, owner: { login: r.owner }, default_branch: 'main', archived: false })),
  });
  for (const r of [broken, healthy]) {
    const base = `/repos/acme/${r.repo}`;
    mockSnapshot(scope, r, ['Dockerfile']);
    mockFindingsCheck(scope, r, r.commitSha);
    scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins')).reply(200, []);
    if (r === healthy) {
      scope.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/new-pins')}`).reply(404, {});
      scope.post(`${base}/git/trees`).reply(201, { sha: shaOf('tree healthy') });
      scope.post(`${base}/git/commits`).reply(201, { sha: shaOf('commit healthy') });
      scope.post(`${base}/git/refs`).reply(201, {});
      mockFindingsCheck(scope, r, shaOf('commit healthy'));
      scope.post(`${base}/pulls`, into(pulls)).reply(201, { number: 1 });
      // No twice-build workflow on the default branch: the new pin PR says so once.
      scope.post(`${base}/issues/1/comments`).reply(201, {});
    }
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh')).reply(200, []);
    scope.post(`${base}/issues`, into(issues)).reply(201, { number: 2 });
  }

  await probot.scheduler.scanNow(INSTALLATION_ID);

  expect(issues[0]!.body).toContain('## Lookup errors');
  expect(issues[0]!.body).toContain(`| \`Dockerfile:1\` | \`127.0.0.1:${port}/gone/base:1.0\` | could not reach registry 127.0.0.1:${port}: ECONNREFUSED after 4 attempts |`);
  expect(pulls).toEqual([expect.objectContaining({ head: 'repro-pins/new-pins', draft: true })]);
  expect(issues[1]!.body).not.toContain('Lookup errors');
});

test('with GHE_HOST and GHE_PROTOCOL=http every API call goes to the Enterprise host', async () => {
  const ghe = 'http://ghe.example.test';
  let scheduler: Scheduler | undefined;
  const probot = createProbot({
    env: { APP_ID: '1', PRIVATE_KEY: testPrivateKey, WEBHOOK_SECRET: 'test', GHE_HOST: 'ghe.example.test', GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' },
    overrides: { log: pino({ level: 'silent' }), Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })) },
  });
  await probot.load(createApp({ env: { DOCKER_CONFIG: '/nonexistent', REPRO_PINS_ALLOW_HOSTS: '127.0.0.1' }, onScheduler: (s) => (scheduler = s) }));
  expect(scheduler).toBeDefined();
  const repo = fakeRepo('acme', 'api', {});
  const comments: { body: string }[] = [];
  const scope = nock(`${ghe}/api/v3`);
  scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token: 'ghs_t', expires_at: '2099-01-01T00:00:00Z' });
  scope.get('/repos/acme/api/collaborators/maintainer/permission').reply(200, { permission: 'write', role_name: 'write' });
  scope.post('/repos/acme/api/issues/comments/9001/reactions').reply(201, {});
  scope.post('/repos/acme/api/issues/7/comments', into(comments)).reply(201, {});
  await probot.receive({ id: 'ghes-1', name: 'issue_comment', payload: commentPayload(repo, '/repro help') as never });
  expect(comments).toHaveLength(1);
});

test('/repro ignore remembers the dependency on the dashboard and stops pinning it', async () => {
  const probot = await startApp();
  const repo = fakeRepo('acme', 'legacy', { Dockerfile: `FROM ${R}/test/app:2.0\n` });
  const base = '/repos/acme/legacy';
  const issues: { body: string }[] = [];
  const comments: { body: string }[] = [];
  const scope = mockAppAuth(nock(API));
  scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'write', role_name: 'write' });
  scope.post(`${base}/issues/comments/9001/reactions`).reply(201, {});
  mockSnapshot(scope, repo, ['Dockerfile']);
  mockFindingsCheck(scope, repo, repo.commitSha);
  scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, [{ number: 3, body: '<!-- repro-pins:dashboard -->' }]);
  scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins')).reply(200, []);
  scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh')).reply(200, []);
  scope.patch(`${base}/issues/3`, into(issues)).reply(200, {});
  scope.post(`${base}/issues/7/comments`, into(comments)).reply(201, {});
  await probot.receive({ id: 'ignore-1', name: 'issue_comment', payload: commentPayload(repo, `/repro ignore ${R}/test/app`) as never });
  expect(issues[0]!.body).toContain(`## Ignored\n\n- \`${R}/test/app\``);
  expect(issues[0]!.body).toContain(`<!-- repro-pins:state {"ignored":["${R}/test/app"]} -->`);
  expect(comments[0]!.body).toContain(`will leave \`${R}/test/app\` alone`);
});
