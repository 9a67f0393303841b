import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { defaultConfig } from '../../config.js';
import { planPins } from '../../plan.js';
import type { ManagerName, SourceFile } from '../../reference.js';
import type { Manager } from '../manager.js';
import { ActionResolver, GitHubApi, githubTagsDatasource } from '../../datasources/github-tags/index.js';
import { useNock } from '../../../../test/support/nock.js';
import { githubActionsManager } from './index.js';

/**
 * The github-actions manager through the planner against GitHub's REST API (mocked by nock, every
 * mock asserted used): steps inside parallel groups, and other tools' pin comments, refreshed.
 * Images are not looked up here (no docker datasource): the manager tests pin those.
 */
const sha = (label: string) => createHash('sha1').update(label).digest('hex');
const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/github-actions/${name}`, import.meta.url), 'utf8')
    .replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label))
    .replace(/SHA\(([^)]*)\)/g, (_, label: string) => sha(label));
const API = 'https://api.github.com';
const tag = (name: string, commit: string) => ({ ref: `refs/tags/${name}`, object: { type: 'commit', sha: commit } });

const managers = new Map<ManagerName, Manager>([['github-actions', githubActionsManager]]);
async function pin(file: SourceFile) {
  const { refs, problems } = githubActionsManager.extract(file, defaultConfig);
  expect(problems).toEqual([]);
  const datasources = { 'github-tags': githubTagsDatasource(new ActionResolver(new GitHubApi({ sleep: async () => {} }))) };
  return planPins([file], refs, datasources, managers, defaultConfig);
}
function listing(scope: nock.Scope, repository: string, prefix: string, tags: [string, string][]): nock.Scope {
  return scope
    .get(`/repos/${repository}/git/matching-refs/tags/${prefix}`)
    .query({ per_page: '100' })
    .reply(200, tags.map(([name, commit]) => tag(name, commit)));
}

useNock();

describe('github-actions manager: pins through the planner', () => {
  test('actions in parallel groups, sequential branches and nested groups are pinned at their lines', async () => {
    const path = '.github/workflows/build.yml';
    const text = fixture('parallel-steps.yml');
    const c = { checkout: sha('checkout v4.2.2'), node: sha('setup-node v4.1.0'), python: sha('setup-python v5.3.0'), cache: sha('cache v4.2.0') };
    const hadolint = sha('hadolint/hadolint-action v3.1.0');
    let github = nock(API);
    github = listing(github, 'actions/checkout', 'v4', [['v4', c.checkout], ['v4.2.2', c.checkout]]);
    github = listing(github, 'actions/setup-node', 'v4', [['v4', c.node], ['v4.0.0', sha('setup-node v4.0.0')], ['v4.1.0', c.node]]);
    github = listing(github, 'actions/setup-python', 'v5', [['v5', c.python], ['v5.3.0', c.python]]);
    github = listing(github, 'actions/cache', 'v4', [['v4', c.cache], ['v4.2.0', c.cache]]);
    listing(github, 'hadolint/hadolint-action', 'v3', [['v3.1.0', hadolint]]);

    const plan = await pin({ path, text });
    expect(plan.problems).toEqual([]);
    expect(plan.changes.map(({ line, name, value, to }) => [line, name, value, to])).toEqual([
      [12, 'actions/checkout', 'v4.2.2', c.checkout],
      [19, 'actions/setup-node', 'v4.1.0', c.node],
      [22, 'actions/setup-python', 'v5.3.0', c.python],
      [26, 'actions/cache/restore', 'v4.2.0', c.cache],
    ]);
    // The Renovate-commented SHA still is its tag's commit: current, not rewritten.
    expect(plan.current.map((r) => [r.line, r.name, r.value])).toEqual([[29, 'hadolint/hadolint-action', 'v3.1.0']]);
    expect(plan.files.get(path)).toBe(
      text
        .replace('actions/checkout@v4', `actions/checkout@${c.checkout} # v4.2.2`)
        .replace('actions/setup-node@v4 # v4.0.0', `actions/setup-node@${c.node} # v4.1.0`)
        .replace("'actions/setup-python@v5'", `'actions/setup-python@${c.python}' # v5.3.0`)
        .replace('actions/cache/restore@v4', `actions/cache/restore@${c.cache} # v4.2.0`),
    );
  });

  test("ratchet's comments are kept as ratchet wrote them while the SHA is refreshed; Renovate's keep their spelling; ratchet:exclude is left alone", async () => {
    const path = '.github/workflows/test.yml';
    const text = fixture('ratchet.yml');
    const checkout = { old: sha('actions/checkout v4.1.0'), now: sha('actions/checkout v4.2.2') };
    const setupGo = sha('actions/setup-go v5.0.0');
    const codeql = sha('github/codeql-action v3.27.5');
    const deploy = { old: sha('acme/deploy v1.0.0'), now: sha('acme/deploy v1.1.0') };
    const lookups = () => {
      let github = nock(API);
      github = listing(github, 'actions/checkout', 'v4', [['v4', checkout.now], ['v4.1.0', checkout.old], ['v4.2.2', checkout.now]]);
      github = listing(github, 'actions/setup-go', 'v5', [['v5', setupGo], ['v5.0.0', setupGo]]);
      github = listing(github, 'github/codeql-action', 'v3', [['v3', codeql], ['v3.27.5', codeql]]);
      return listing(github, 'acme/deploy', 'v1', [['v1', deploy.now], ['v1.0.0', deploy.old], ['v1.1.0', deploy.now]]);
    };

    const github = lookups();
    const plan = await pin({ path, text });
    expect(github.isDone()).toBe(true);
    expect(plan.problems).toEqual([]);
    expect(plan.changes.map(({ line, name, from, to }) => [line, name, from, to])).toEqual([
      [17, 'actions/checkout', checkout.old, checkout.now],
      [21, 'github/codeql-action/init', null, codeql],
      [22, 'acme/deploy', deploy.old, deploy.now],
    ]);
    expect(plan.current.map((r) => [r.line, r.name, r.value])).toEqual([[18, 'actions/setup-go', 'v5']]);
    expect(plan.skipped.map((r) => [r.line, r.name, r.skipped])).toEqual([[20, 'actions/cache', 'a `# ratchet:exclude` comment keeps it from being pinned']]);
    const pinned = text
      .replace(`'actions/checkout@${checkout.old}' # ratchet:actions/checkout@v4`, `'actions/checkout@${checkout.now}' # ratchet:actions/checkout@v4`)
      .replace("'github/codeql-action/init@v3' # ratchet:", `'github/codeql-action/init@${codeql}' # ratchet:`)
      .replace(`'acme/deploy@${deploy.old}' # renovate: tag=v1`, `'acme/deploy@${deploy.now}' # renovate: tag=v1.1.0`);
    expect(plan.files.get(path)).toBe(pinned);

    // A second run finds every pin current: ratchet's comment is never "corrected" to the release.
    lookups();
    const again = await pin({ path, text: pinned });
    expect(again.changes).toEqual([]);
    expect(again.current.map((r) => r.line)).toEqual([17, 18, 21, 22]);
  });
});
