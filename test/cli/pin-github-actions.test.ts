import { createHash } from 'node:crypto';
import nock from 'nock';
import { makeRepo, readRepo, runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';
import { useNock } from '../support/nock.js';

/**
 * `repro-pins pin` on workflows and a composite action, with GitHub's REST API mocked by nock
 * (every mocked request must be made) and the action's docker:// image served by the real
 * loopback registry of the test environment.
 */
const env = loadTestEnv();
const R = env.registry;
const sha = (label: string) => createHash('sha1').update(label).digest('hex');
const API = 'https://api.github.com';
const GHE = 'https://ghe.example.com';
const TOKEN = 'ghp_cli-test-token-never-printed';

const tag = (name: string, commit: string) => ({ ref: `refs/tags/${name}`, object: { type: 'commit', sha: commit } });
const annotatedTag = (name: string, object: string) => ({ ref: `refs/tags/${name}`, object: { type: 'tag', sha: object } });

const checkout = sha('actions/checkout v4.2.2');
const setupNode = sha('actions/setup-node v4.1.0');
const cache = sha('actions/cache v4.1.2');
const shared = sha('octo-org/shared-workflows v2.3.0');
const codeql = sha('github/codeql-action v3.27.5');
const checkoutTagObject = sha('tag object actions/checkout v4.2.2');

const workflow = [
  'name: CI',
  'on: [push, pull_request]',
  'jobs:',
  '  test:',
  '    runs-on: ubuntu-24.04',
  '    steps:',
  '      - uses: actions/checkout@v4',
  '      - uses: actions/setup-node@v4 # v4.0.0',
  '        with: { node-version: 22, cache: npm }',
  "      - uses: 'actions/cache/restore@v4'",
  '        with: { path: ~/.npm, key: npm }',
  '      - uses: ./.github/actions/setup',
  `      - uses: github/codeql-action/init@${codeql} # v3.27.5`,
  '  release:',
  '    uses: octo-org/shared-workflows/.github/workflows/npm-publish.yml@v2',
  '',
].join('\n');
const composite = ['name: setup', 'runs:', '  using: composite', '  steps:', '    - uses: actions/checkout@v4', `    - uses: docker://${R}/test/app:2.0`, ''].join('\r\n');

/** The tag listings GitHub answers for this repository's actions; actions/checkout's tags are annotated. */
function githubMock(base: string, prefix = '') {
  return nock(base, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
    .get(`${prefix}/repos/actions/checkout/git/matching-refs/tags/v4`)
    .query({ per_page: '100' })
    .reply(200, [annotatedTag('v4', checkoutTagObject), annotatedTag('v4.2.2', checkoutTagObject), tag('v4.2.1', sha('actions/checkout v4.2.1'))])
    .get(`${prefix}/repos/actions/checkout/git/tags/${checkoutTagObject}`)
    .reply(200, { sha: checkoutTagObject, tag: 'v4.2.2', object: { type: 'commit', sha: checkout } })
    .get(`${prefix}/repos/actions/setup-node/git/matching-refs/tags/v4`)
    .query({ per_page: '100' })
    .reply(200, [tag('v4', setupNode), tag('v4.0.0', sha('actions/setup-node v4.0.0')), tag('v4.1.0', setupNode)])
    .get(`${prefix}/repos/actions/cache/git/matching-refs/tags/v4`)
    .query({ per_page: '100' })
    .reply(200, [tag('v4', cache), tag('v4.1.2', cache)])
    .get(`${prefix}/repos/octo-org/shared-workflows/git/matching-refs/tags/v2`)
    .query({ per_page: '100' })
    .reply(200, [tag('v2', shared), tag('v2.3.0', shared), tag('v20.0.0', shared)])
    .get(`${prefix}/repos/github/codeql-action/git/matching-refs/tags/v3`)
    .query({ per_page: '100' })
    .reply(200, [tag('v3', codeql), tag('v3.27.5', codeql)]);
}

useNock(/^127\.0\.0\.1:/);

describe('repro-pins pin: GitHub Actions', () => {
  test('actions/checkout@v4 becomes actions/checkout@<sha> # v4.2.2; every other byte stays; a second run changes nothing', async () => {
    const dir = await makeRepo({ '.github/workflows/ci.yml': workflow, '.github/actions/setup/action.yml': composite });
    const github = githubMock(API);
    const run = await runRepoPins(['pin', dir, '--json'], { GITHUB_TOKEN: TOKEN });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(github.isDone()).toBe(true);

    const after = await readRepo(dir);
    expect(after['.github/workflows/ci.yml']).toBe(
      workflow
        .replace('actions/checkout@v4', `actions/checkout@${checkout} # v4.2.2`)
        .replace('actions/setup-node@v4 # v4.0.0', `actions/setup-node@${setupNode} # v4.1.0`)
        .replace("'actions/cache/restore@v4'", `'actions/cache/restore@${cache}' # v4.1.2`)
        .replace('npm-publish.yml@v2', `npm-publish.yml@${shared} # v2.3.0`),
    );
    expect(after['.github/actions/setup/action.yml']).toBe(
      composite.replace('actions/checkout@v4', `actions/checkout@${checkout} # v4.2.2`).replace(`${R}/test/app:2.0`, `${R}/test/app:2.0@${env.images['test/app:2.0']}`),
    );
    const report = JSON.parse(run.stdout) as { changes: { file: string; line: number; name: string; value: string; from: string | null; to: string }[]; current: { name: string }[] };
    expect(report.changes.filter((c) => c.to === checkout).map((c) => [c.file, c.line, c.name, c.value])).toEqual([
      ['.github/actions/setup/action.yml', 5, 'actions/checkout', 'v4.2.2'],
      ['.github/workflows/ci.yml', 7, 'actions/checkout', 'v4.2.2'],
    ]);
    expect(report.current.map((r) => r.name)).toEqual(['github/codeql-action/init']);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);

    // Pinned SHAs whose comments still name their commits need one listing each, and no edit.
    const again = nock(API)
      .get('/repos/actions/checkout/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [tag('v4', checkout), tag('v4.2.2', checkout)])
      .get('/repos/actions/setup-node/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [tag('v4.1.0', setupNode)])
      .get('/repos/actions/cache/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [tag('v4.1.2', cache)])
      .get('/repos/octo-org/shared-workflows/git/matching-refs/tags/v2')
      .query({ per_page: '100' })
      .reply(200, [tag('v2.3.0', shared)])
      .get('/repos/github/codeql-action/git/matching-refs/tags/v3')
      .query({ per_page: '100' })
      .reply(200, [tag('v3.27.5', codeql)]);
    const second = await runRepoPins(['pin', dir, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).changes).toEqual([]);
    expect(again.isDone()).toBe(true);
    expect(await readRepo(dir)).toEqual(after);
  });

  test('GitHub Enterprise Server: lookup failures and an impostor commit name the file, line and action; the rest is still pinned', async () => {
    const forked = sha('a commit pushed to a fork of actions/cache');
    const files = {
      '.github/workflows/a.yml': 'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v9\n',
      '.github/workflows/b.yml': 'jobs:\n  b:\n    steps:\n      - uses: acme/no-such-action@v1\n',
      '.github/workflows/c.yml': `jobs:\n  c:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/cache@${forked}\n`,
    };
    const dir = await makeRepo(files);
    const ghe = nock(GHE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/api/v3/repos/actions/checkout/git/matching-refs/tags/v9')
      .query({ per_page: '100' })
      .reply(200, [])
      .get('/api/v3/repos/actions/checkout/git/matching-refs/heads/v9')
      .query({ per_page: '100' })
      .reply(200, [])
      .get('/api/v3/repos/acme/no-such-action/git/matching-refs/tags/v1')
      .query({ per_page: '100' })
      .reply(404, { message: 'Not Found' })
      .get('/api/v3/repos/actions/checkout/git/matching-refs/tags/v4')
      .query({ per_page: '100' })
      .reply(200, [tag('v4', checkout), tag('v4.2.2', checkout)])
      .get('/api/v3/repos/actions/cache')
      .reply(200, { default_branch: 'main' })
      .get(`/api/v3/repos/actions/cache/compare/main...${forked}`)
      .query({ per_page: '1' })
      .reply(200, { status: 'diverged' });
    const run = await runRepoPins(['pin', dir], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: `${GHE}/api/v3` });
    expect(ghe.isDone()).toBe(true);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      'error: .github/workflows/a.yml:4: actions/checkout:v9: action actions/checkout@v9: no tag or branch "v9" in actions/checkout',
      'error: .github/workflows/b.yml:4: acme/no-such-action:v1: action acme/no-such-action@v1: repository acme/no-such-action not found on ghe.example.com (or the token cannot read it)',
      `error: .github/workflows/c.yml:5: actions/cache: action actions/cache@${forked}: commit ${forked} is not in actions/cache (it may come from a fork: an impostor commit); ` +
        'pin a commit from the upstream repository (only the default branch "main" was searched; a "# <tag>" comment after the SHA names a tag to search too)',
    ]);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const after = await readRepo(dir);
    expect(after['.github/workflows/c.yml']).toBe(files['.github/workflows/c.yml'].replace('actions/checkout@v4', `actions/checkout@${checkout} # v4.2.2`));
    expect(after['.github/workflows/a.yml']).toBe(files['.github/workflows/a.yml']);
  });

  test('an unusable GITHUB_API_URL is a usage error', async () => {
    const dir = await makeRepo({ '.github/workflows/ci.yml': 'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n' });
    const run = await runRepoPins(['pin', dir], { GITHUB_API_URL: 'http://ghe.example.com/api/v3' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('repro-pins: GITHUB_API_URL: "http://ghe.example.com/api/v3" must be an https:// URL (plain http only for loopback hosts)\n');
  });

  test('scan lists actions with their pins, and needs no network', async () => {
    const dir = await makeRepo({ '.github/workflows/ci.yml': workflow });
    const run = await runRepoPins(['scan', dir, '--json']);
    // Four actions are not pinned to a SHA: action-not-pinned errors, so scan exits 1.
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { findings: { rule: string; line: number }[] }).findings.filter((f) => f.rule === 'action-not-pinned').map((f) => f.line)).toEqual([7, 8, 10, 15]);
    const { references } = JSON.parse(run.stdout) as { references: { line: number; name: string; value: string | null; digest: string | null; pinned: boolean }[] };
    expect(references.map(({ line, name, value, digest, pinned }) => [line, name, value, digest, pinned])).toEqual([
      [7, 'actions/checkout', 'v4', null, false],
      [8, 'actions/setup-node', 'v4', null, false],
      [10, 'actions/cache/restore', 'v4', null, false],
      [13, 'github/codeql-action/init', 'v3.27.5', codeql, true],
      [15, 'octo-org/shared-workflows/.github/workflows/npm-publish.yml', 'v2', null, false],
    ]);
  });
});
