import nock from 'nock';
import { loadTestEnv } from '../support/test-env.js';
import { API, BOT, commentPayload, fakeRepo, gitBlobSha, installationPayload, into, mockAppAuth, mockFindingsCheck, mockSnapshot, pushPayload, shaOf, startApp, type FakeRepo } from './github-fake.js';
import { useNock } from '../support/nock.js';

const env = loadTestEnv();
const R = env.registry;
const digest = (image: string) => env.images[image]!;
const stale = `sha256:${shaOf('stale').padEnd(64, '0')}`;

const dockerfile = `FROM ${R}/test/busybox:1.36 AS build\nRUN true\nFROM ${R}/test/app:2.0\n`;
const workflow = `on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    container: ${R}/test/multi:1.0\n    steps:\n      - run: make test\n`;
const pinnedDockerfile = dockerfile.replace('test/busybox:1.36', `test/busybox:1.36@${digest('test/busybox:1.36')}`).replace('test/app:2.0', `test/app:2.0@${digest('test/app:2.0')}`);
const pinnedWorkflow = workflow.replace('test/multi:1.0', `test/multi:1.0@${digest('test/multi:1.0')}`);

interface Sent {
  checks: { head_sha: string; conclusion: string; output: { title: string; summary: string; annotations: { path: string; start_line: number; annotation_level: string; title: string }[] } }[];
  trees: { base_tree: string; tree: { path: string; content: string; mode: string }[] }[];
  commits: { message: string; tree: string; parents: string[] }[];
  pulls: { head: string; base: string; title: string; body: string; draft: boolean }[];
  issues: { title?: string; body: string }[];
  comments: { body: string }[];
}

const sent = (): Sent => ({ checks: [], trees: [], commits: [], pulls: [], issues: [], comments: [] });
const pullsQuery = (owner: string, branch: string, state: 'open' | 'all') => ({ head: `${owner}:${branch}`, state, sort: 'created', direction: 'desc', per_page: '100' });

useNock('127.0.0.1');

/** The Git Data API writes of one commit, recorded. */
function mockCommit(scope: nock.Scope, r: FakeRepo, branch: string, out: Sent, label: string, branchExists: boolean) {
  const base = `/repos/${r.owner}/${r.repo}`;
  scope.post(`${base}/git/trees`, into(out.trees)).reply(201, { sha: shaOf(`tree ${label}`) });
  scope.post(`${base}/git/commits`, into(out.commits)).reply(201, { sha: shaOf(`commit ${label}`) });
  if (branchExists) scope.patch(`${base}/git/refs/${encodeURIComponent(`heads/${branch}`)}`, { sha: shaOf(`commit ${label}`), force: true }).reply(200, {});
  else scope.post(`${base}/git/refs`, { ref: `refs/heads/${branch}`, sha: shaOf(`commit ${label}`) }).reply(201, {});
  // A pin commit carries its own findings check run.
  if (branch !== 'repro-pins/onboarding') mockFindingsCheck(scope, r, shaOf(`commit ${label}`), out.checks);
}

function mockBlobs(scope: nock.Scope, r: FakeRepo, paths: string[]) {
  for (const path of paths) {
    const text = r.files[path]!;
    scope.get(`/repos/${r.owner}/${r.repo}/git/blobs/${gitBlobSha(text)}`).reply(200, { sha: gitBlobSha(text), encoding: 'base64', content: Buffer.from(text).toString('base64') });
  }
}

/** A maintainer's `/repro rescan`: permission check and the reaction that acknowledges it. */
function mockCommandAccepted(scope: nock.Scope, r: FakeRepo, permission = 'write', roleName = 'write', commentId = 9001) {
  const base = `/repos/${r.owner}/${r.repo}`;
  scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission, role_name: roleName, user: { login: 'maintainer' } });
  scope.post(`${base}/issues/comments/${commentId}/reactions`, { content: '+1' }).reply(201, {});
}

describe('the App on installation', () => {
  test('opens an onboarding PR and one draft pin PR whose single commit pins the Dockerfile and the workflow', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'api', { Dockerfile: dockerfile, '.github/workflows/ci.yml': workflow, 'README.md': '# api\n' });
    const base = '/repos/acme/api';
    const out = sent();
    const scope = mockAppAuth(nock(API));
    scope.get(base).reply(200, { default_branch: 'main', archived: false });
    // The template's actions are pinned with the installation token before the PR is written.
    const tag = (name: string, label: string) => ({ ref: `refs/tags/${name}`, object: { type: 'commit', sha: shaOf(label) } });
    for (const [action, major, minor] of [['actions/checkout', 'v4', 'v4.2.2'], ['docker/setup-buildx-action', 'v3', 'v3.7.1'], ['actions/upload-artifact', 'v4', 'v4.4.3']] as const) {
      scope.get(`/repos/${action}/git/matching-refs/tags/${major}`).query({ per_page: '100' }).matchHeader('authorization', 'Bearer ghs_installation_token_for_tests').reply(200, [tag(major, `${action} ${minor}`), tag(minor, `${action} ${minor}`)]);
    }
    mockSnapshot(scope, repo, []);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/onboarding', 'all')).reply(200, []);
    scope.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/onboarding')}`).reply(404, { message: 'Not Found' });
    mockCommit(scope, repo, 'repro-pins/onboarding', out, 'onboarding', false);
    scope.post(`${base}/pulls`, into(out.pulls)).reply(201, { number: 1 });
    // The scan: the branch head is revalidated with its ETag; the tree comes from the cache.
    scope.get(`${base}/git/ref/heads%2Fmain`).matchHeader('if-none-match', `"${repo.commitSha}"`).reply(304);
    scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    mockBlobs(scope, repo, ['.github/workflows/ci.yml', 'Dockerfile']);
    mockFindingsCheck(scope, repo, repo.commitSha, out.checks);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, []);
    scope.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/new-pins')}`).reply(404, { message: 'Not Found' });
    mockCommit(scope, repo, 'repro-pins/new-pins', out, 'new-pins', false);
    scope.post(`${base}/pulls`, into(out.pulls)).reply(201, { number: 2 });
    // The default branch has no twice-build workflow yet: the new pin PR says so once.
    scope.post(`${base}/issues/2/comments`, into(out.comments)).reply(201, {});
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, []);
    scope.post(`${base}/issues`, into(out.issues)).reply(201, { number: 3 });

    await probot.receive({ id: 'delivery-1', name: 'installation', payload: installationPayload('acme', ['api']) as never });

    expect(out.trees[0]!.tree.map((t) => t.path)).toEqual(['.github/repro-pins.yml', '.github/workflows/repro-verify.yml']);
    const onboardedWorkflow = out.trees[0]!.tree[1]!.content;
    expect(onboardedWorkflow).toContain(`uses: actions/checkout@${shaOf('actions/checkout v4.2.2')} # v4.2.2\n`);
    expect(onboardedWorkflow).toContain(`uses: docker/setup-buildx-action@${shaOf('docker/setup-buildx-action v3.7.1')} # v3.7.1\n`);
    expect(onboardedWorkflow).toContain(`uses: actions/upload-artifact@${shaOf('actions/upload-artifact v4.4.3')} # v4.4.3\n`);
    expect(out.pulls[0]).toMatchObject({ head: 'repro-pins/onboarding', base: 'main', title: 'Configure repro-pins', draft: false });
    expect(out.trees[1]!.base_tree).toBe(repo.treeSha);
    expect(Object.fromEntries(out.trees[1]!.tree.map((t) => [t.path, t.content]))).toEqual({ Dockerfile: pinnedDockerfile, '.github/workflows/ci.yml': pinnedWorkflow });
    expect(out.commits[1]).toMatchObject({ parents: [repo.commitSha], tree: shaOf('tree new-pins') });
    expect(out.commits[1]!.message).toMatch(/^Pin container build inputs\n\nRepro-Pins-Fingerprint: [0-9a-f]{64}\n$/);
    expect(out.pulls[1]).toMatchObject({ head: 'repro-pins/new-pins', base: 'main', draft: true });
    expect(out.pulls[1]!.body).toContain(`| \`Dockerfile:1\` | \`${R}/test/busybox:1.36\` | — | \`${digest('test/busybox:1.36')}\` |`);
    expect(out.issues[0]!.title).toBe('Dependency Dashboard (repro-pins)');
    expect(out.issues[0]!.body).toContain('`new-pins`: #2 opened (draft)');
    // Findings: the default branch fails its check run with an annotation per unpinned image;
    // the pin commit has none of those left.
    const [onMain, onPin] = out.checks;
    expect(onMain).toMatchObject({ head_sha: repo.commitSha, conclusion: 'failure' });
    expect(onMain!.output.annotations.filter((a) => a.title === 'image-not-pinned').map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['.github/workflows/ci.yml', 5, 'failure'],
      ['Dockerfile', 1, 'failure'],
      ['Dockerfile', 3, 'failure'],
    ]);
    expect(onPin!.head_sha).toBe(shaOf('commit new-pins'));
    expect(onPin!.output.annotations.filter((a) => a.title === 'image-not-pinned')).toEqual([]);
    expect(out.issues[0]!.body).toContain('## Reproducibility findings');
    expect(out.comments[0]!.body).toContain('Merge the onboarding PR');
  });

  test('a repository that already has the config is not onboarded again, and a declined onboarding PR is not reopened', async () => {
    const probot = await startApp();
    const configured = fakeRepo('acme', 'done', { '.github/repro-pins.yml': '', 'README.md': '' });
    const declined = fakeRepo('acme', 'nope', { 'README.md': '' });
    const scope = mockAppAuth(nock(API));
    for (const r of [configured, declined]) {
      const base = `/repos/acme/${r.repo}`;
      scope.get(base).reply(200, { default_branch: 'main', archived: false });
      mockSnapshot(scope, r, []);
      if (r === declined) scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/onboarding', 'all')).reply(200, [{ number: 4, node_id: 'PR_4', head: { ref: 'repro-pins/onboarding' }, title: 'Configure repro-pins', body: '', draft: false, state: 'closed', merged_at: null }]);
      // The scan that follows finds nothing to pin and writes only the dashboard.
      scope.get(`${base}/git/ref/heads%2Fmain`).reply(304);
      scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, [{ number: 9, body: '<!-- repro-pins:dashboard -->\n\nold' }]);
      if (r === configured) mockBlobs(scope, r, ['.github/repro-pins.yml']);
      mockFindingsCheck(scope, r, r.commitSha);
      scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, []);
      scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, []);
      scope.patch(`${base}/issues/9`, (body: { body: string }) => body.body.includes('No build inputs found.')).reply(200, {});
    }
    await probot.receive({ id: 'delivery-2', name: 'installation', payload: installationPayload('acme', ['done', 'nope']) as never });
  });
});

describe('scans', () => {
  test('a second scan with nothing new makes no PR, commit or comment, and a redelivered push changes nothing', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'web', { Dockerfile: dockerfile });
    const base = '/repos/acme/web';
    const out = sent();
    const first = mockAppAuth(nock(API));
    mockSnapshot(first, repo, ['Dockerfile']);
    mockFindingsCheck(first, repo, repo.commitSha, out.checks);
    first.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    first.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, []);
    first.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/new-pins')}`).reply(404, {});
    mockCommit(first, repo, 'repro-pins/new-pins', out, 'web', false);
    first.post(`${base}/pulls`, into(out.pulls)).reply(201, { number: 5 });
    first.post(`${base}/issues/5/comments`, into(out.comments)).reply(201, {});
    first.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, []);
    first.post(`${base}/issues`, into(out.issues)).reply(201, { number: 6 });
    await probot.receive({ id: 'push-1', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
    expect(out.trees[0]!.tree).toEqual([{ path: 'Dockerfile', mode: '100644', type: 'blob', content: pinnedDockerfile }]);

    // The same delivery again is not handled at all (no mock is left for it: any request would fail).
    await probot.receive({ id: 'push-1', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
    // The same push under a new delivery id, with the PR, the branch and the dashboard as the App left them.
    {
      const again = nock(API);
      again.get(`${base}/git/ref/heads%2Fmain`).reply(304);
      // The default branch already carries these findings: no new check run.
      again.get(`${base}/commits/${repo.commitSha}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [{ id: 777, output: { summary: out.checks[0]!.output.summary } }] });
      again.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, [{ number: 6, body: out.issues[0]!.body }]);
      again.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, [{ number: 5, node_id: 'PR_5', head: { ref: 'repro-pins/new-pins' }, title: out.pulls[0]!.title, body: out.pulls[0]!.body, draft: true, state: 'open', merged_at: null }]);
      again.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/new-pins')}`).reply(200, { object: { sha: shaOf('commit web') } });
      again.get(`${base}/git/commits/${shaOf('commit web')}`).reply(200, { sha: shaOf('commit web'), message: out.commits[0]!.message, parents: [{ sha: repo.commitSha }] });
      again.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, []);
      await probot.receive({ id: 'push-1-redelivered', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
      expect(again.isDone()).toBe(true);
    }
    expect(out.commits).toHaveLength(1);
    expect(out.pulls).toHaveLength(1);
  });

  test('a tag that moved updates the existing refresh PR in place with a new commit', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'svc', { 'compose.yaml': `services:\n  app:\n    image: ${R}/test/app:2.0@${stale}\n` });
    const base = '/repos/acme/svc';
    const out = sent();
    const scope = mockAppAuth(nock(API));
    mockCommandAccepted(scope, repo, 'write', 'maintain');
    mockSnapshot(scope, repo, ['compose.yaml']);
    mockFindingsCheck(scope, repo, repo.commitSha, out.checks);
    scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, []);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, [{ number: 11, node_id: 'PR_11', head: { ref: 'repro-pins/refresh' }, title: 'Refresh pinned container build inputs', body: 'last week', draft: true, state: 'open', merged_at: null }]);
    scope.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/refresh')}`).reply(200, { object: { sha: shaOf('last week') } });
    scope.get(`${base}/git/commits/${shaOf('last week')}`).reply(200, { sha: shaOf('last week'), message: `Refresh pinned container build inputs\n\nRepro-Pins-Fingerprint: ${'0'.repeat(64)}\n`, parents: [{ sha: shaOf('older main') }] });
    mockCommit(scope, repo, 'repro-pins/refresh', out, 'refresh', true);
    scope.get(`${base}/issues/11/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/11/comments`, into(out.comments)).reply(201, {});
    scope.patch(`${base}/pulls/11`, into(out.pulls)).reply(200, {});
    scope.post(`${base}/issues`, into(out.issues)).reply(201, { number: 12 });

    await probot.receive({ id: 'comment-1', name: 'issue_comment', payload: commentPayload(repo, '/repro rescan') as never });

    expect(out.trees[0]!.tree[0]!.content).toBe(`services:\n  app:\n    image: ${R}/test/app:2.0@${digest('test/app:2.0')}\n`);
    expect(out.commits[0]!.parents).toEqual([repo.commitSha]);
    expect(out.pulls[0]!.body).toContain(`| \`compose.yaml:3\` | \`${R}/test/app:2.0\` | \`${stale.slice(0, 19)}…\` | \`${digest('test/app:2.0')}\` |`);
  });

  test('a branch someone else committed to is not overwritten; the App says so once on the PR', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'ops', { Dockerfile: dockerfile });
    const base = '/repos/acme/ops';
    const out = sent();
    const scope = mockAppAuth(nock(API));
    mockCommandAccepted(scope, repo);
    mockSnapshot(scope, repo, ['Dockerfile']);
    mockFindingsCheck(scope, repo, repo.commitSha, out.checks);
    scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/new-pins', 'open')).reply(200, [{ number: 21, node_id: 'PR_21', head: { ref: 'repro-pins/new-pins' }, title: 'Pin container build inputs', body: '', draft: true, state: 'open', merged_at: null }]);
    scope.get(`${base}/git/ref/${encodeURIComponent('heads/repro-pins/new-pins')}`).reply(200, { object: { sha: shaOf('human') } });
    scope.get(`${base}/git/commits/${shaOf('human')}`).reply(200, { sha: shaOf('human'), message: 'fix the build by hand', parents: [{ sha: shaOf('app commit') }] });
    scope.get(`${base}/issues/21/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/21/comments`, into(out.comments)).reply(201, {});
    scope.get(`${base}/pulls`).query(pullsQuery('acme', 'repro-pins/refresh', 'open')).reply(200, []);
    scope.post(`${base}/issues`, into(out.issues)).reply(201, { number: 22 });

    await probot.receive({ id: 'comment-2', name: 'issue_comment', payload: commentPayload(repo, '/repro rescan') as never });
    expect(out.comments[0]!.body).toContain('Someone else committed to `repro-pins/new-pins`');
    expect(out.issues[0]!.body).toContain('not updated: someone else committed to its branch');
  });

  test('an invalid config shows on the dashboard with the key and the reason, and no PR is opened or changed', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'cfg', { '.github/repro-pins.yml': 'managers: [dockerfile, maven]\n', Dockerfile: dockerfile });
    const base = '/repos/acme/cfg';
    const out = sent();
    const scope = mockAppAuth(nock(API));
    mockSnapshot(scope, repo, ['.github/repro-pins.yml']);
    scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues`, into(out.issues)).reply(201, { number: 31 });
    await probot.receive({ id: 'push-cfg', name: 'push', payload: pushPayload(repo, ['.github/repro-pins.yml']) as never });
    expect(out.issues[0]!.body).toContain('## Config errors');
    expect(out.issues[0]!.body).toMatch(/\| 1 \| `managers.1` \| Invalid option: expected one of .*"dockerfile"/);
  });

  test('a push that touches no pinned file starts no scan', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'docs', { 'README.md': '' });
    await probot.receive({ id: 'push-docs', name: 'push', payload: pushPayload(repo, ['README.md', 'docs/index.md']) as never });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('comment commands', () => {
  test('a read-only user is refused, and nothing is scanned', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'api', {});
    const out = sent();
    const scope = mockAppAuth(nock(API), { identity: false }).get('/repos/acme/api/collaborators/maintainer/permission').reply(200, { permission: 'read', role_name: 'triage' });
    scope.post('/repos/acme/api/issues/7/comments', into(out.comments)).reply(201, {});
    await probot.receive({ id: 'comment-3', name: 'issue_comment', payload: commentPayload(repo, '/repro rescan') as never });
    expect(out.comments[0]!.body).toBe('@maintainer only people with write, maintain or admin permission on this repository can run repro-pins commands.');
  });

  test('bots are ignored and ordinary comments make no API call', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'api', {});
    await probot.receive({ id: 'comment-4', name: 'issue_comment', payload: commentPayload(repo, '/repro rescan', { login: 'dependabot[bot]', type: 'Bot' }) as never });
    await probot.receive({ id: 'comment-5', name: 'issue_comment', payload: commentPayload(repo, 'LGTM') as never });
  });

  test('/repro help is acknowledged and answered; an unknown command gets a short reply', async () => {
    const probot = await startApp();
    const repo = fakeRepo('acme', 'api', {});
    const out = sent();
    const scope = mockAppAuth(nock(API), { identity: false });
    mockCommandAccepted(scope, repo, 'admin', 'admin');
    scope.post('/repos/acme/api/issues/7/comments', into(out.comments)).reply(201, {});
    mockCommandAccepted(scope, repo, 'admin', 'admin', 9002);
    scope.post('/repos/acme/api/issues/7/comments', into(out.comments)).reply(201, {});
    await probot.receive({ id: 'comment-6', name: 'issue_comment', payload: commentPayload(repo, '/repro help') as never });
    await probot.receive({ id: 'comment-7', name: 'issue_comment', payload: commentPayload(repo, '/repro deploy now', undefined, 7, 9002) as never });
    expect(out.comments[0]!.body).toContain('`/repro rescan`');
    expect(out.comments[1]!.body).toMatch(/^repro-pins does not know `\/repro deploy now`\./);
  });
});
