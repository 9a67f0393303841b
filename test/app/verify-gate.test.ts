/**
 * The twice-build gate in the App, end to end through Probot with nock: a pin PR's commit is
 * dispatched to the workflow with a pending status; a finished run's two artifacts (real buildah
 * builds, turned into artifact folders by the workflow's listing script and zipped) are downloaded
 * through GitHub's storage redirect and judged by the OCI engine; the status, the PR's draft
 * state, its body and the diagnosis comment follow. Every mocked request must be made.
 */
import nock from 'nock';
import { pendingDescription, STATUS_CONTEXT } from '../../src/app/verify/commit-status.js';
import { renderVerification, type VerificationState } from '../../src/app/verify/verification-state.js';
import { WORKFLOW_PATH } from '../../src/app/scan/onboarding.js';
import { loadTestEnv } from '../support/test-env.js';
import { API, BOT, INSTALLATION_ID, commentPayload, fakeRepo, into, mockAppAuth, mockFindingsCheck, mockSnapshot, pushPayload, shaOf, startApp } from './github-fake.js';
import { buildGateArtifacts, RUNNERS, type GateArtifacts } from './verify-artifacts.js';
import { useNock } from '../support/nock.js';

const env = loadTestEnv();
const STORAGE = 'https://artifacts.storage.example.test';
const BRANCH = 'repro-pins/new-pins';
const REPO_ID = 4711;
const HEAD = shaOf('pin commit');
const base = '/repos/acme/img';
/** A workflow file with nothing for the Actions manager to pin, so the scan makes no tag lookups. */
const WORKFLOW_TEXT = 'name: repro-verify\non: workflow_dispatch\njobs: {}\n';
const repo = fakeRepo('acme', 'img', { Dockerfile: `FROM ${env.registry}/test/app:2.0\n`, [WORKFLOW_PATH]: WORKFLOW_TEXT });

let artifacts: GateArtifacts;
let cleanUp: () => Promise<void>;

beforeAll(async () => {
  ({ artifacts, cleanUp } = await buildGateArtifacts(env.registry));
}, 300_000);

afterAll(async () => {
  await cleanUp?.();
});

useNock('127.0.0.1');

interface Status {
  state: string;
  context: string;
  description: string;
  target_url?: string;
}
interface GraphQL {
  query: string;
  variables: { id: string };
}

const requestFor = (sha: string, nonce: string) => `${sha.slice(0, 12)}-${nonce}`;
const pendingState = (request: string, since = '2030-01-01T00:00:00Z'): VerificationState => ({ state: 'pending', sha: HEAD, request, since });
const pinPrBody = (state: VerificationState) => `<!-- repro-pins:pin-pr new-pins -->\nrepro-pins pins one build input.\n\n**Verification:** ${renderVerification(state)}\n\nComment \`/repro help\` for commands.`;
const pullsQuery = (branch: string) => ({ head: `acme:${branch}`, state: 'open', sort: 'created', direction: 'desc', per_page: '100' });

function pinPr(body: string, draft = true) {
  return { number: 5, node_id: 'PR_node_5', head: { ref: BRANCH }, title: 'Pin container build inputs', body, draft, state: 'open', merged_at: null };
}

function runPayload(runId: number, request: string, overrides: { conclusion?: string; actor?: string; path?: string; sha?: string } = {}) {
  const sha = overrides.sha ?? HEAD;
  return {
    action: 'completed',
    installation: { id: INSTALLATION_ID },
    repository: { id: REPO_ID, name: 'img', full_name: 'acme/img', owner: { login: 'acme' } },
    workflow: { id: 99, name: 'repro-verify', path: WORKFLOW_PATH },
    workflow_run: {
      id: runId,
      name: 'repro-verify',
      display_title: `repro-verify ${request}`,
      path: overrides.path ?? WORKFLOW_PATH,
      event: 'workflow_dispatch',
      status: 'completed',
      conclusion: overrides.conclusion ?? 'success',
      head_branch: BRANCH,
      head_sha: sha,
      html_url: `https://github.com/acme/img/actions/runs/${runId}`,
      actor: { login: overrides.actor ?? BOT, type: 'Bot' },
      triggering_actor: { login: overrides.actor ?? BOT, type: 'Bot' },
      repository: { id: REPO_ID },
      head_repository: { id: REPO_ID },
    },
    sender: { login: overrides.actor ?? BOT, type: 'Bot' },
  };
}

/** What the App reads before it trusts a run: the branch head, its own pending status, the open pin PR. */
function mockRunChecks(scope: nock.Scope, request: string, prBody: string, draft = true, dispatchedRun: number | null = null) {
  scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: HEAD, type: 'commit' } });
  scope
    .get(`${base}/commits/${HEAD}/statuses`)
    .query({ per_page: '100' })
    .reply(200, [{ context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(request, dispatchedRun), creator: { login: BOT }, created_at: '2030-01-01T00:00:00Z' }]);
  scope.get(`${base}/pulls`).query(pullsQuery(BRANCH)).reply(200, [pinPr(prBody, draft)]);
}

/** The artifact listing and both downloads, each a redirect to storage (as GitHub answers). */
function mockArtifacts(scope: nock.Scope, runId: number, zips: Buffer[]) {
  scope.get(`${base}/actions/runs/${runId}/artifacts`).query({ per_page: '100' }).reply(200, {
    total_count: 2,
    artifacts: [1, 2].map((n) => ({ id: runId * 10 + n, name: `repro-build-${n}`, size_in_bytes: artifacts.identical[0].length, expired: false })),
  });
  const storage = nock(STORAGE);
  zips.forEach((zip, i) => {
    const id = runId * 10 + i + 1;
    scope.get(`${base}/actions/artifacts/${id}/zip`).reply(302, '', { location: `${STORAGE}/runs/${runId}/${id}.zip?sig=signed` });
    storage
      .get(`/runs/${runId}/${id}.zip`)
      .query({ sig: 'signed' })
      // Storage is another origin: the installation token must not follow the redirect there.
      .matchHeader('authorization', (value: string | undefined) => value === undefined)
      .reply(200, zip, { 'content-type': 'application/zip' });
  });
}

interface RunJob {
  id: number;
  name: string;
  conclusion: string | null;
  labels: string[];
  runner_name: string | null;
}

/** The two build jobs as GitHub lists them for a run of the template: one per matrix entry, each on its own runner. */
function buildJobs(runId: number, overrides: Array<Partial<RunJob>> = []): RunJob[] {
  return RUNNERS.map((label, i) => ({
    id: runId * 100 + i + 1,
    name: `build ${i + 1} on ${label}`,
    status: 'completed',
    conclusion: 'success',
    labels: [label],
    runner_name: `GitHub Actions ${runId * 100 + i + 1}`,
    runner_group_name: 'GitHub Actions',
    ...overrides[i],
  }));
}

/** The run's jobs, which the App reads to check each artifact's claimed builder. */
function mockJobs(scope: nock.Scope, runId: number, jobs: RunJob[] = buildJobs(runId)) {
  scope.get(`${base}/actions/runs/${runId}/jobs`).query({ filter: 'latest', per_page: '100' }).reply(200, { total_count: jobs.length, jobs });
}

describe('requesting the twice-build', () => {
  test('a new pin PR gets a pending status on its commit and the workflow dispatched on its branch', async () => {
    const probot = await startApp();
    const sent = { statuses: [] as Status[], dispatches: [] as Array<{ ref: string; inputs: Record<string, string> }>, pulls: [] as Array<{ body: string; draft: boolean }> };
    const scope = mockAppAuth(nock(API));
    mockScanOpeningPr(scope, sent);

    await probot.receive({ id: 'push-gate-1', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });

    const request = sent.dispatches[0]!.inputs['request-id']!;
    expect(request).toMatch(new RegExp(`^${HEAD.slice(0, 12)}-[0-9a-f]{8}$`));
    expect(sent.dispatches).toEqual([
      { ref: BRANCH, return_run_details: true, inputs: { sha: HEAD, 'request-id': request, images: JSON.stringify([{ dockerfile: 'Dockerfile', context: '.', platforms: ['linux/amd64'] }]) } },
    ]);
    expect(sent.statuses).toEqual([{ state: 'pending', context: 'repro-pins/reproducible', description: `Building twice on GitHub Actions (request ${request})` }]);
    expect(sent.pulls[0]!.draft).toBe(true);
    expect(sent.pulls[0]!.body).toMatch(new RegExp(`\\*\\*Verification:\\*\\* pending: building \`${HEAD.slice(0, 12)}\` twice on GitHub Actions \\(request \`${request}\``));
  });

  test('a request with no result in time becomes an error at the scheduler tick; after a restart, the next scan notices it', async () => {
    const probot = await startApp();
    const sent = { statuses: [] as Status[], dispatches: [] as Array<{ ref: string; inputs: Record<string, string> }>, pulls: [] as Array<{ body: string; draft: boolean }>, commitMessage: '' };
    const scope = mockAppAuth(nock(API));
    mockScanOpeningPr(scope, sent);
    await probot.receive({ id: 'push-gate-2', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
    const request = sent.dispatches[0]!.inputs['request-id']!;

    // Within the limit the tick changes nothing; past it, the App's own pending status becomes an error.
    const later = nock(API);
    later.get('/app/installations').query({ per_page: '100' }).times(2).reply(200, []);
    await probot.scheduler.tick(new Date(Date.now() + 2 * 3600_000));
    later
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [{ context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(request), creator: { login: BOT }, created_at: new Date().toISOString() }]);
    later.post(`${base}/statuses/${HEAD}`, into(sent.statuses)).reply(201, {});
    later.get(`${base}/pulls`).query(pullsQuery(BRANCH)).reply(200, [pinPr(sent.pulls[0]!.body)]);
    const edits: Array<{ body: string }> = [];
    later.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
    await probot.scheduler.tick(new Date(Date.now() + 3 * 3600_000 + 60_000));
    expect(sent.statuses[1]).toEqual({ state: 'error', context: STATUS_CONTEXT, description: `No result within 3 hours (request ${request})` });
    expect(edits[0]!.body).toContain(`**Verification:** error: the twice-build (request ${request}) gave no result within 3 hours.`);

    // A fresh process has forgotten the request; a scan of the unchanged PR finds it in the body.
    const restarted = await startApp();
    const again = mockAppAuth(nock(API));
    mockSnapshot(again, repo, ['Dockerfile', WORKFLOW_PATH]);
    mockFindingsCheck(again, repo, repo.commitSha);
    again.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
    const overdueBody = pinPrBody(pendingState(request, '2020-01-01T00:00:00Z'));
    again.get(`${base}/pulls`).query(pullsQuery(BRANCH)).reply(200, [pinPr(overdueBody)]);
    again.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    again.get(`${base}/git/commits/${HEAD}`).reply(200, { sha: HEAD, message: sent.commitMessage, parents: [{ sha: repo.commitSha }] });
    again
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [{ context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(request), creator: { login: BOT }, created_at: '2020-01-01T00:00:00Z' }]);
    again.post(`${base}/statuses/${HEAD}`, into(sent.statuses)).reply(201, {});
    again.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
    again.get(`${base}/pulls`).query(pullsQuery('repro-pins/refresh')).reply(200, []);
    again.post(`${base}/issues`).reply(201, { number: 6 });
    await restarted.receive({ id: 'push-gate-3', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
    expect(sent.statuses[2]).toMatchObject({ state: 'error', description: `No result within 3 hours (request ${request})` });
    expect(edits[1]!.body).toContain('gave no result within 3 hours');
    expect(sent.dispatches).toHaveLength(1);
  });

  test('/repro recheck dispatches the twice-build of the pin PR head again, with a new request id', async () => {
    const probot = await startApp();
    const oldRequest = requestFor(HEAD, '00000000');
    const statuses: Status[] = [];
    const dispatches: Array<{ ref: string; inputs: Record<string, string> }> = [];
    const edits: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API), { identity: false });
    scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'write', role_name: 'write' });
    scope.post(`${base}/issues/comments/9001/reactions`, { content: '+1' }).reply(201, {});
    scope.get(`${base}/pulls/5`).reply(200, { number: 5, node_id: 'PR_node_5', state: 'open', draft: true, body: pinPrBody(pendingState(oldRequest)), head: { ref: BRANCH, sha: HEAD, repo: { full_name: 'acme/img' } } });
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope.get(`${base}/git/commits/${HEAD}`).reply(200, { sha: HEAD, message: `Pin container build inputs\n\nRepro-Pins-Fingerprint: ${'1'.repeat(64)}\n`, parents: [{ sha: repo.commitSha }] });
    mockSnapshot(scope, repo, []);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    scope.post(`${base}/actions/workflows/repro-verify.yml/dispatches`, into(dispatches)).reply(204);
    scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
    // Another PR's comment: not a pin PR, so only a one-line answer.
    scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'write', role_name: 'write' });
    scope.post(`${base}/issues/comments/9002/reactions`, { content: '+1' }).reply(201, {});
    scope.get(`${base}/pulls/8`).reply(200, { number: 8, node_id: 'PR_8', state: 'open', draft: false, body: '', head: { ref: 'feature/x', sha: shaOf('feature'), repo: { full_name: 'acme/img' } } });
    const replies: Array<{ body: string }> = [];
    scope.post(`${base}/issues/8/comments`, into(replies)).reply(201, {});

    await probot.receive({ id: 'recheck-1', name: 'issue_comment', payload: commentPayload(repo, '/repro recheck', undefined, 5) as never });
    await probot.receive({ id: 'recheck-2', name: 'issue_comment', payload: commentPayload(repo, '/repro recheck', undefined, 8, 9002) as never });

    const request = dispatches[0]!.inputs['request-id']!;
    expect(dispatches[0]).toMatchObject({ ref: BRANCH, inputs: { sha: HEAD } });
    expect(request).not.toBe(oldRequest);
    expect(statuses).toEqual([{ state: 'pending', context: STATUS_CONTEXT, description: pendingDescription(request) }]);
    expect(edits[0]!.body).toContain(`(request \`${request}\``);
    expect(replies[0]!.body).toContain('this is not one');
  });
  test('a dispatch GitHub refuses (no dispatch trigger at that ref) is an error status, never left pending', async () => {
    const probot = await startApp();
    const statuses: Status[] = [];
    const edits: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API), { identity: false });
    scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'admin', role_name: 'admin' });
    scope.post(`${base}/issues/comments/9001/reactions`, { content: '+1' }).reply(201, {});
    scope.get(`${base}/pulls/5`).reply(200, { number: 5, node_id: 'PR_node_5', state: 'open', draft: true, body: 'no verification line yet', head: { ref: BRANCH, sha: HEAD, repo: { full_name: 'acme/img' } } });
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope.get(`${base}/git/commits/${HEAD}`).reply(200, { sha: HEAD, message: `Pin container build inputs\n\nRepro-Pins-Fingerprint: ${'2'.repeat(64)}\n`, parents: [{ sha: repo.commitSha }] });
    mockSnapshot(scope, repo, []);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).times(2).reply(201, {});
    scope.post(`${base}/actions/workflows/repro-verify.yml/dispatches`).reply(422, { message: "Workflow does not have 'workflow_dispatch' trigger" });
    scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});

    await probot.receive({ id: 'recheck-3', name: 'issue_comment', payload: commentPayload(repo, '/repro recheck', undefined, 5) as never });

    expect(statuses.map((s) => s.state)).toEqual(['pending', 'error']);
    expect(statuses[1]!.description).toContain("GitHub refused to start the twice-build workflow (Workflow does not have 'workflow_dispatch' trigger");
    expect(edits[0]!.body).toMatch(/^no verification line yet\n\n\*\*Verification:\*\* error: GitHub refused/);
  });
});

describe('matching the finished run by id', () => {
  /** `/repro recheck` on the pin PR, with GitHub answering the dispatch as `answer` says. */
  async function recheckDispatch(answer: { status: 200; body: object } | { status: 204 } | { status: 422 }) {
    const probot = await startApp();
    const statuses: Status[] = [];
    const dispatches: Array<{ return_run_details?: boolean; inputs: Record<string, string> }> = [];
    const scope = mockAppAuth(nock(API), { identity: false });
    scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'write', role_name: 'write' });
    scope.post(`${base}/issues/comments/9001/reactions`, { content: '+1' }).reply(201, {});
    scope.get(`${base}/pulls/5`).reply(200, { number: 5, node_id: 'PR_node_5', state: 'open', draft: true, body: 'pin PR', head: { ref: BRANCH, sha: HEAD, repo: { full_name: 'acme/img' } } });
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope.get(`${base}/git/commits/${HEAD}`).reply(200, { sha: HEAD, message: `Pin container build inputs\n\nRepro-Pins-Fingerprint: ${'3'.repeat(64)}\n`, parents: [{ sha: repo.commitSha }] });
    mockSnapshot(scope, repo, []);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).times(answer.status === 200 ? 2 : 1).reply(201, {});
    const dispatch = scope.post(`${base}/actions/workflows/repro-verify.yml/dispatches`, into(dispatches));
    if (answer.status === 200) dispatch.reply(200, answer.body);
    else if (answer.status === 204) dispatch.reply(204);
    else {
      // A GHES that validates the body strictly and does not know the parameter yet.
      dispatch.reply(422, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' });
      scope.post(`${base}/actions/workflows/repro-verify.yml/dispatches`, into(dispatches)).reply(204);
    }
    scope.patch(`${base}/pulls/5`).reply(200, {});
    await probot.receive({ id: `recheck-by-id-${answer.status}`, name: 'issue_comment', payload: commentPayload(repo, '/repro recheck', undefined, 5) as never });
    return { probot, statuses, request: dispatches[0]!.inputs['request-id']!, dispatch: dispatches[0]!, dispatches };
  }

  test('a dispatch answered 200 with the run names that run in the pending status; only that run is judged', async () => {
    const runUrl = 'https://github.com/acme/img/actions/runs/5555';
    const { probot, statuses, request, dispatch } = await recheckDispatch({ status: 200, body: { workflow_run_id: 5555, run_url: `${API}/repos/acme/img/actions/runs/5555`, html_url: runUrl } });
    expect(dispatch.return_run_details).toBe(true);
    expect(statuses).toEqual([
      { state: 'pending', context: STATUS_CONTEXT, description: pendingDescription(request) },
      { state: 'pending', context: STATUS_CONTEXT, description: `Building twice on GitHub Actions (request ${request}, run 5555)`, target_url: runUrl },
    ]);

    // Another run with the same run name (e.g. dispatched again by hand with the copied inputs): not the one GitHub named.
    // The installation token is cached; the App's identity is read once, for the first run.
    const scope = nock(API).get('/app').reply(200, { id: 1, slug: 'repro-pins', name: 'repro-pins' });
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [{ context: STATUS_CONTEXT, state: 'pending', description: statuses[1]!.description, creator: { login: BOT }, created_at: '2030-01-01T00:00:00Z' }]);
    await probot.receive({ id: 'run-5556', name: 'workflow_run', payload: runPayload(5556, request, { conclusion: 'failure' }) as never });

    // The run GitHub named answers.
    const verdicts: Status[] = [];
    const named = nock(API);
    mockRunChecks(named, request, pinPrBody(pendingState(request)), true, 5555);
    named.post(`${base}/statuses/${HEAD}`, into(verdicts)).reply(201, {});
    named.patch(`${base}/pulls/5`).reply(200, {});
    await probot.receive({ id: 'run-5555', name: 'workflow_run', payload: runPayload(5555, request, { conclusion: 'failure' }) as never });
    expect(verdicts).toEqual([{ state: 'error', context: STATUS_CONTEXT, description: 'The twice-build run failed, so no builds were compared', target_url: runUrl }]);
  });

  test('a server that refuses the unknown return_run_details gets the dispatch again without it, and the run name matches', async () => {
    const { statuses, request, dispatches } = await recheckDispatch({ status: 422 });
    expect(dispatches.map((d) => d.return_run_details)).toEqual([true, undefined]);
    expect(dispatches[1]!.inputs['request-id']).toBe(request);
    expect(statuses).toEqual([{ state: 'pending', context: STATUS_CONTEXT, description: pendingDescription(request) }]);
  });

  test('a dispatch answered 204 (older servers, GHES) keeps one pending status, and the run is matched by its name', async () => {
    const { probot, statuses, request } = await recheckDispatch({ status: 204 });
    expect(statuses).toEqual([{ state: 'pending', context: STATUS_CONTEXT, description: pendingDescription(request) }]);
    const verdicts: Status[] = [];
    const scope = nock(API).get('/app').reply(200, { id: 1, slug: 'repro-pins', name: 'repro-pins' });
    mockRunChecks(scope, request, pinPrBody(pendingState(request)));
    scope.post(`${base}/statuses/${HEAD}`, into(verdicts)).reply(201, {});
    scope.patch(`${base}/pulls/5`).reply(200, {});
    await probot.receive({ id: 'run-5557', name: 'workflow_run', payload: runPayload(5557, request, { conclusion: 'cancelled' }) as never });
    expect(verdicts.map((s) => s.description)).toEqual(['The twice-build run was cancelled, so no builds were compared']);
  });
});

describe('judging a finished run', () => {
  test('identical artifacts: success with the image digest, and the PR is marked ready through GraphQL', async () => {
    const probot = await startApp();
    const request = requestFor(HEAD, 'aaaaaaaa');
    const statuses: Status[] = [];
    const graphql: GraphQL[] = [];
    const edits: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API));
    mockRunChecks(scope, request, pinPrBody(pendingState(request)));
    mockArtifacts(scope, 301, artifacts.identical);
    mockJobs(scope, 301);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    // A success corrects an earlier diagnosis, but posts none: there is none here.
    scope.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, [{ id: 1, user: { login: 'dev' }, body: 'looks good' }]);
    scope.post('/graphql', into(graphql)).reply(200, { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } });
    scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});

    await probot.receive({ id: 'run-301', name: 'workflow_run', payload: runPayload(301, request) as never });

    expect(statuses).toEqual([
      { state: 'success', context: STATUS_CONTEXT, description: `Reproducible: ${artifacts.identicalDigest}`, target_url: 'https://github.com/acme/img/actions/runs/301' },
    ]);
    expect(graphql).toEqual([{ query: expect.stringContaining('markPullRequestReadyForReview(input: { pullRequestId: $id })'), variables: { id: 'PR_node_5' } }]);
    expect(edits[0]!.body).toContain(`**Verification:** reproducible: both builds of \`${HEAD.slice(0, 12)}\` are image \`${artifacts.identicalDigest}\``);

    // The same delivery again is not handled; the same run under a new delivery id finds the verdict set and changes nothing.
    await probot.receive({ id: 'run-301', name: 'workflow_run', payload: runPayload(301, request) as never });
    const again = nock(API);
    again.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    again
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [{ context: STATUS_CONTEXT, state: 'success', description: statuses[0]!.description, creator: { login: BOT }, created_at: '2030-01-01T00:00:01Z' }]);
    await probot.receive({ id: 'run-301-retried', name: 'workflow_run', payload: runPayload(301, request) as never });
    expect(statuses).toHaveLength(1);
    expect(graphql).toHaveLength(1);
  });

  test('different artifacts: failure, the PR stays a draft, and one diagnosis comment naming /built-at is posted, then updated in place', async () => {
    const probot = await startApp();
    const first = requestFor(HEAD, 'bbbbbbbb');
    const statuses: Status[] = [];
    const posted: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API));
    mockRunChecks(scope, first, pinPrBody(pendingState(first)));
    mockArtifacts(scope, 302, artifacts.different);
    mockJobs(scope, 302);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    scope.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/5/comments`, into(posted)).reply(201, { id: 777 });
    scope.patch(`${base}/pulls/5`).reply(200, {});

    await probot.receive({ id: 'run-302', name: 'workflow_run', payload: runPayload(302, first) as never });

    expect(statuses[0]).toMatchObject({ state: 'failure', description: 'Not reproducible: the two builds of Dockerfile differ; see the diagnosis comment' });
    const comment = posted[0]!.body;
    expect(comment).toMatch(/^<!-- repro-pins:diagnosis -->\n\*\*repro-pins twice-build of `[0-9a-f]{12}`: not reproducible\*\*/);
    expect(comment).toContain('## `Dockerfile`');
    expect(comment).toContain('| `/built-at` | content |');
    expect(comment).toContain('| A | `sha256:');
    expect(comment).toContain('artifact-folder `repro-build-1/Dockerfile`');
    expect(comment).not.toContain('repro-pins-verify-');

    // `/repro recheck` asked again; the second run differs too and edits the same comment.
    const second = requestFor(HEAD, 'cccccccc');
    const edited: Array<{ body: string }> = [];
    const again = nock(API);
    mockRunChecks(again, second, pinPrBody(pendingState(second)));
    mockArtifacts(again, 303, artifacts.different);
    mockJobs(again, 303);
    again.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    again.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, [{ id: 777, user: { login: BOT }, body: comment }]);
    again.patch(`${base}/issues/comments/777`, into(edited)).reply(200, {});
    again.patch(`${base}/pulls/5`).reply(200, {});

    await probot.receive({ id: 'run-303', name: 'workflow_run', payload: runPayload(303, second) as never });

    expect(statuses[1]!.state).toBe('failure');
    expect(edited[0]!.body).toContain('/actions/runs/303');
    expect(edited[0]!.body).toContain('| `/built-at` | content |');
    expect(posted).toHaveLength(1);
  });

  test('a tampered blob is an integrity error with the reason in a comment, never a success', async () => {
    const probot = await startApp();
    const request = requestFor(HEAD, 'dddddddd');
    const statuses: Status[] = [];
    const posted: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API));
    mockRunChecks(scope, request, pinPrBody(pendingState(request)));
    mockArtifacts(scope, 304, [artifacts.identical[0], artifacts.tampered]);
    mockJobs(scope, 304);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    scope.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/5/comments`, into(posted)).reply(201, { id: 778 });
    scope.patch(`${base}/pulls/5`).reply(200, {});

    await probot.receive({ id: 'run-304', name: 'workflow_run', payload: runPayload(304, request) as never });

    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.state).toBe('error');
    expect(statuses[0]!.description).toMatch(/^integrity error: repro-build-2\/Dockerfile: .*hashes to sha256:/);
    expect(statuses[0]!.description.length).toBeLessThanOrEqual(140);
    expect(posted[0]!.body).toContain('**integrity error**: repro-build-2/Dockerfile:');
  });

  test('an artifact zip with a ../ entry is an error (refused before anything is written)', async () => {
    const probot = await startApp();
    const request = requestFor(HEAD, 'eeeeeeee');
    const statuses: Status[] = [];
    const scope = mockAppAuth(nock(API));
    mockRunChecks(scope, request, pinPrBody(pendingState(request)));
    // The first artifact is refused: the second is never downloaded.
    mockArtifacts(scope, 305, [artifacts.traversal]);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    scope.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/5/comments`).reply(201, { id: 779 });
    scope.patch(`${base}/pulls/5`).reply(200, {});

    await probot.receive({ id: 'run-305', name: 'workflow_run', payload: runPayload(305, request) as never });

    expect(statuses).toEqual([
      expect.objectContaining({ state: 'error', description: 'invalid artifact: the `repro-build-1` artifact entry "../escaped-from-the-artifact" climbs out of its folder (path traversal)' }),
    ]);
  });

  /** A run judged to a refusal: an error status with the sentence, a comment, the body updated, and no GraphQL (the PR stays a draft). */
  async function judgeRefused(runId: number, zips: Buffer[], jobs: RunJob[] | null): Promise<{ statuses: Status[]; comment: string; body: string }> {
    const probot = await startApp();
    const request = requestFor(HEAD, `${runId}`.padStart(8, 'a'));
    const statuses: Status[] = [];
    const posted: Array<{ body: string }> = [];
    const edits: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API));
    mockRunChecks(scope, request, pinPrBody(pendingState(request)));
    mockArtifacts(scope, runId, zips);
    if (jobs) mockJobs(scope, runId, jobs);
    scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
    scope.get(`${base}/issues/5/comments`).query({ per_page: '100' }).reply(200, []);
    scope.post(`${base}/issues/5/comments`, into(posted)).reply(201, { id: 780 });
    scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
    await probot.receive({ id: `run-${runId}`, name: 'workflow_run', payload: runPayload(runId, request) as never });
    expect(statuses.map((s) => s.state)).toEqual(['error']);
    return { statuses, comment: posted[0]!.body, body: edits[0]!.body };
  }

  test('one artifact uploaded as both repro-build-1 and repro-build-2 is refused: error status, the PR stays a draft', async () => {
    const { statuses, comment, body } = await judgeRefused(308, [artifacts.identical[0], artifacts.identical[0]], null);
    expect(statuses[0]!.description).toBe('refused: both artifacts claim the same builder (runner `ubuntu-24.04`), so the two builds were not independent');
    expect(comment).toContain('**refused**: both artifacts claim the same builder');
    expect(body).toContain('**Verification:** error: refused: both artifacts claim the same builder');
    expect(body).not.toContain('reproducible: both builds');
  });

  test('an artifact whose build.json does not say where it ran is refused', async () => {
    const { statuses } = await judgeRefused(309, [artifacts.identical[0], artifacts.unclaimed], null);
    expect(statuses[0]!.description).toBe('refused: `repro-build-2/Dockerfile` has no build.json saying which runner built it');
  });

  test.each([
    [310, 'no job of that name ran', [{}, { name: 'build 2 on ubuntu-24.04' }], 'refused: `repro-build-2` claims runner `ubuntu-22.04`, but the run has no job "build 2 on ubuntu-22.04"'],
    [311, 'the job ran on a runner with other labels', [{}, { labels: ['self-hosted', 'linux'] }], 'refused: `repro-build-2` claims runner `ubuntu-22.04`, but GitHub ran job "build 2 on ubuntu-22.04" on a runner labelled self-hosted, linux'],
    [312, 'both jobs ran on one runner', [{ runner_name: 'box-1' }, { runner_name: 'box-1' }], 'refused: both build jobs ran on the same runner (box-1), so the two builds were not independent'],
    [313, 'a job did not succeed', [{ conclusion: 'skipped' }, {}], 'refused: job "build 1 on ubuntu-24.04" that built `repro-build-1` did not succeed (skipped)'],
  ] as Array<[number, string, Array<Partial<RunJob>>, string]>)('run %i: identical builds whose claims the run\'s jobs contradict (%s) are refused', async (runId, _case, overrides, description) => {
    const { statuses } = await judgeRefused(runId, artifacts.identical, buildJobs(runId, overrides));
    expect(statuses[0]!.description).toBe(description.length > 140 ? `${description.slice(0, 139)}…` : description);
  });

  test('a failed or cancelled run is an error linking to the run', async () => {
    const probot = await startApp();
    const statuses: Status[] = [];
    const edits: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API));
    for (const [runId, conclusion, nonce] of [[306, 'failure', 'ffffffff'], [307, 'cancelled', 'abababab']] as const) {
      const request = requestFor(HEAD, nonce);
      mockRunChecks(scope, request, pinPrBody(pendingState(request)));
      scope.post(`${base}/statuses/${HEAD}`, into(statuses)).reply(201, {});
      scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
      await probot.receive({ id: `run-${runId}`, name: 'workflow_run', payload: runPayload(runId, request, { conclusion }) as never });
    }
    expect(statuses).toEqual([
      { state: 'error', context: STATUS_CONTEXT, description: 'The twice-build run failed, so no builds were compared', target_url: 'https://github.com/acme/img/actions/runs/306' },
      { state: 'error', context: STATUS_CONTEXT, description: 'The twice-build run was cancelled, so no builds were compared', target_url: 'https://github.com/acme/img/actions/runs/307' },
    ]);
    expect(edits[0]!.body).toContain('error: the twice-build run failed, so no builds were compared. ([run](https://github.com/acme/img/actions/runs/306))');
  });

  test('runs the App did not ask for, or that no longer answer its newest request, change nothing', async () => {
    const probot = await startApp();
    const request = requestFor(HEAD, '12121212');
    // Another workflow, and a run name that names no request: not even read.
    await probot.receive({ id: 'other-1', name: 'workflow_run', payload: runPayload(401, request, { path: '.github/workflows/ci.yml' }) as never });
    await probot.receive({ id: 'other-2', name: 'workflow_run', payload: { ...runPayload(402, request), workflow_run: { ...runPayload(402, request).workflow_run, display_title: 'repro-verify by hand' } } as never });
    // A run someone else dispatched with a copied request id: only the App's identity is read.
    const scope = mockAppAuth(nock(API));
    await probot.receive({ id: 'forged', name: 'workflow_run', payload: runPayload(403, request, { actor: 'mallory' }) as never });
    // A run of an older request (a recheck made a newer one): no status, comment or PR change.
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [
        { context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(requestFor(HEAD, '34343434')), creator: { login: BOT }, created_at: '2030-01-01T00:00:01Z' },
        { context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(request), creator: { login: BOT }, created_at: '2030-01-01T00:00:00Z' },
      ]);
    await probot.receive({ id: 'stale', name: 'workflow_run', payload: runPayload(404, request) as never });
    // A run for a commit the branch has moved past.
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: shaOf('newer') } });
    await probot.receive({ id: 'moved', name: 'workflow_run', payload: runPayload(405, request) as never });
    // A status someone else set with the App's context is not the App's word.
    scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(200, { object: { sha: HEAD } });
    scope
      .get(`${base}/commits/${HEAD}/statuses`)
      .query({ per_page: '100' })
      .reply(200, [{ context: STATUS_CONTEXT, state: 'pending', description: pendingDescription(request), creator: { login: 'mallory' }, created_at: '2030-01-01T00:00:00Z' }]);
    await probot.receive({ id: 'spoofed-status', name: 'workflow_run', payload: runPayload(406, request) as never });
  });
});

describe('a push to a pin branch', () => {
  test('by a person converts a ready PR back to draft and voids the verdict; the App’s own push changes nothing here', async () => {
    const probot = await startApp();
    const human = shaOf('human commit');
    const graphql: GraphQL[] = [];
    const edits: Array<{ body: string }> = [];
    const readyBody = pinPrBody({ state: 'reproducible', sha: HEAD, images: [{ name: 'Dockerfile', digest: artifacts.identicalDigest }], runUrl: 'https://github.com/acme/img/actions/runs/301' });
    const scope = mockAppAuth(nock(API));
    scope.post('/graphql', into(graphql)).reply(200, { data: { convertPullRequestToDraft: { pullRequest: { isDraft: true } } } });
    scope.patch(`${base}/pulls/5`, into(edits)).reply(200, {});
    const payload = (sha: string, sender: { login: string; type: string }) => ({
      action: 'synchronize',
      installation: { id: INSTALLATION_ID },
      number: 5,
      pull_request: { number: 5, node_id: 'PR_node_5', draft: false, body: readyBody, head: { ref: BRANCH, sha, repo: { id: REPO_ID } }, base: { ref: 'main', repo: { id: REPO_ID } } },
      repository: { id: REPO_ID, name: 'img', full_name: 'acme/img', owner: { login: 'acme' } },
      sender,
    });

    await probot.receive({ id: 'sync-human', name: 'pull_request', payload: payload(human, { login: 'dev', type: 'User' }) as never });
    await probot.receive({ id: 'sync-app', name: 'pull_request', payload: payload(shaOf('app commit'), { login: BOT, type: 'Bot' }) as never });

    expect(graphql).toEqual([{ query: expect.stringContaining('convertPullRequestToDraft(input: { pullRequestId: $id })'), variables: { id: 'PR_node_5' } }]);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.body).toContain(`**Verification:** not verified: \`${human.slice(0, 12)}\` was pushed by @dev, and repro-pins verifies only its own commits.`);
    expect(edits[0]!.body).not.toContain('reproducible: both builds');
  });
});

/** The scan of a repository whose default branch has the workflow: one commit, a status, a dispatch, a draft PR. */
function mockScanOpeningPr(
  scope: nock.Scope,
  sent: { statuses: Status[]; dispatches: Array<{ ref: string; inputs: Record<string, string> }>; pulls: Array<{ body: string; draft: boolean }>; commitMessage?: string },
) {
  mockSnapshot(scope, repo, ['Dockerfile', WORKFLOW_PATH]);
  mockFindingsCheck(scope, repo, repo.commitSha);
  mockFindingsCheck(scope, repo, HEAD);
  scope.get(`${base}/issues`).query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
  scope.get(`${base}/pulls`).query(pullsQuery(BRANCH)).reply(200, []);
  scope.get(`${base}/git/ref/${encodeURIComponent(`heads/${BRANCH}`)}`).reply(404, {});
  scope.post(`${base}/git/trees`).reply(201, { sha: shaOf('pin tree') });
  scope
    .post(`${base}/git/commits`, (body: { message: string }) => {
      sent.commitMessage = body.message;
      return true;
    })
    .reply(201, { sha: HEAD });
  scope.post(`${base}/git/refs`, { ref: `refs/heads/${BRANCH}`, sha: HEAD }).reply(201, {});
  scope.post(`${base}/statuses/${HEAD}`, into(sent.statuses)).reply(201, {});
  scope.post(`${base}/actions/workflows/repro-verify.yml/dispatches`, into(sent.dispatches)).reply(204);
  scope.post(`${base}/pulls`, into(sent.pulls)).reply(201, { number: 5 });
  scope.get(`${base}/pulls`).query(pullsQuery('repro-pins/refresh')).reply(200, []);
  scope.post(`${base}/issues`).reply(201, { number: 6 });
}
