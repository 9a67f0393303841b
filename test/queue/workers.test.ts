/**
 * The App with REDIS_URL: queue workers as real child processes sharing one real redis-server,
 * a loopback fake GitHub that keeps what they write, and a registry that counts every tag lookup.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { QUEUE_NAME } from '../../src/app/queue/redis-queue.js';
import { spawnWorker, type WorkerProcess } from '../../bench/app-workers.js';
import { runRepoPins } from '../support/cli-harness.js';
import { FakeGitHub, FAKE_BOT_LOGIN, type FakeInstallationSpec } from '../../bench/app-fake-github.js';
import { CountingRegistry, digestOf } from '../../bench/app-counting-registry.js';
import { startRedisServer, type RedisServer } from '../../bench/app-redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Short locks so a killed worker's job is back in the queue within about three seconds. */
const FAST_FAILOVER = { REPRO_PINS_LOCK_SECONDS: '2', REPRO_PINS_STALLED_INTERVAL_SECONDS: '1', REPRO_PINS_BUSY_RETRY_SECONDS: '0.3' };
/** A tick that does not fire during a test (January 1st); the tick test sets its own. */
const NO_TICK = { REPRO_PINS_SCHEDULE_TICK: '0 0 1 1 *' };

let redis: RedisServer;
let github: FakeGitHub;
let registry: CountingRegistry;
let queue: Queue;
let client: Redis;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  github = await FakeGitHub.start({ latencyMs: 5 });
  registry = await CountingRegistry.start();
  queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
  client = new Redis(redis.url);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
  await client.flushall();
  registry.reset();
});

afterAll(async () => {
  await queue?.close();
  await client?.quit();
  await github?.close();
  await registry?.close();
  await redis?.stop();
});

async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = await spawnWorker({ entry: 'src/app/worker.ts', cwd: ROOT, githubHost: github.host, redisUrl: redis.url, env: { REPRO_PINS_GITHUB_THROTTLE: 'off', ...FAST_FAILOVER, ...NO_TICK, ...env } });
  workers.push(worker);
  return worker;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${workers.map((w) => w.output()).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** No job waiting, running or retrying (the delayed one of the job scheduler aside). */
async function queueIsDrained(): Promise<boolean> {
  const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
  const delayed = (await queue.getDelayed()).filter((job) => job.name !== 'scheduled-tick');
  return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) + delayed.length === 0;
}

const pullCreations = (owner: string, repo: string) => github.calls.filter((c) => c.method === 'POST' && c.path === `/repos/${owner}/${repo}/pulls`).length;

describe('a scan-now over 40 repositories in 20 installations with two workers', () => {
  test('opens exactly one pin PR per repository that needs one, though a worker is killed mid-run; each tag is looked up once by the fleet', async () => {
    const tags = ['acme/base:1.0', 'acme/base:1.1', 'acme/runtime:2.0', 'acme/tools:3.2', 'library/debian:12'];
    const installations: FakeInstallationSpec[] = [];
    const needsPins: string[] = [];
    const pinned: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const repositories = ['api', 'web'].map((name, j) => {
        const tag = tags[(i + j) % tags.length]!;
        const [image, version] = tag.split(':') as [string, string];
        // Every fourth repository is already pinned to the current digest: nothing to open there.
        const upToDate = (i * 2 + j) % 4 === 0;
        (upToDate ? pinned : needsPins).push(`org-${i}/${name}`);
        const pin = (image: string, version: string) => (upToDate ? `${registry.host}/${image}:${version}@${digestOf(image, version)}` : `${registry.host}/${image}:${version}`);
        return { name, files: { Dockerfile: `FROM ${pin(image, version)}\nRUN true\nFROM ${pin('acme/runtime', '2.0')}\n`, 'README.md': `# ${name}\n` } };
      });
      installations.push({ id: 1000 + i, account: `org-${i}`, repositories });
    }
    github.load(installations);
    const [first, second] = [await startWorker(), await startWorker()];

    const queued = await runRepoPins(['app', 'scan-now'], { REDIS_URL: redis.url });
    expect(queued).toMatchObject({ code: 0, stderr: '' });
    expect(queued.stdout).toMatch(/^repro-pins: queued the scan of every installed repository \(job \S+ in Redis at redis:\/\/127\.0\.0\.1:\d+\/?; the workers run it\)\n$/);

    // Mid-run: some PRs are open, most are not; the first worker dies with jobs in hand.
    await until(() => github.count('POST', /\/pulls$/) >= 10, 'ten pin PRs were opened');
    const activeOnFirst = (await queue.getActive()).filter((job) => job.processedBy === first.name).length;
    await first.kill('SIGKILL');
    await until(async () => needsPins.concat(pinned).every((r) => github.issues(...(r.split('/') as [string, string])).length === 1) && (await queueIsDrained()), 'every repository has its dashboard and the queue is drained');

    for (const full of needsPins) {
      const [owner, repo] = full.split('/') as [string, string];
      expect({ full, prs: github.pullRequests(owner, repo).map((p) => [p.head, p.state, p.draft]), creations: pullCreations(owner, repo) }).toEqual({ full, prs: [['repro-pins/new-pins', 'open', true]], creations: 1 });
      expect(github.fileOnBranch(owner, repo, 'repro-pins/new-pins', 'Dockerfile')).toContain('@sha256:');
    }
    for (const full of pinned) {
      const [owner, repo] = full.split('/') as [string, string];
      expect({ full, prs: github.pullRequests(owner, repo).length }).toEqual({ full, prs: 0 });
    }
    for (const full of needsPins.concat(pinned)) {
      const [owner, repo] = full.split('/') as [string, string];
      expect(github.issues(owner, repo).map((i) => [i.author, i.title])).toEqual([[FAKE_BOT_LOGIN, 'Dependency Dashboard (repro-pins)']]);
      expect(github.calls.filter((c) => c.method === 'POST' && c.path === `/repos/${owner}/${repo}/issues`)).toHaveLength(1);
    }
    // Every distinct tag was asked for once by the whole fleet, killed worker included.
    expect(Object.fromEntries(registry.lookups)).toEqual(Object.fromEntries(tags.map((t) => [t, 1])));
    expect(github.unhandled).toEqual([]);

    // Both workers took jobs from the one queue; the survivor finished what the killed one held.
    const completed = (await queue.getCompleted(0, 1000)).filter((job) => job.name === 'scan-repository');
    const byWorker = new Set(completed.map((job) => job.processedBy));
    expect(byWorker).toEqual(new Set([first.name, second.name]));
    expect(new Set(completed.map((job) => `${job.data.owner}/${job.data.repo}`)).size).toBe(40);
    const retried = completed.filter((job) => job.stalledCounter > 0);
    expect(activeOnFirst).toBeGreaterThan(0);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.length).toBeLessThanOrEqual(activeOnFirst);
    expect(new Set(retried.map((job) => job.processedBy))).toEqual(new Set([second.name]));

    // The survivor's /metrics: queue backlog, scan durations, lookups and cache hits, GitHub calls and rate limit.
    const metrics = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
    expect(metrics).toMatch(/^repro_pins_jobs\{state="waiting",role="worker"\} 0$/m);
    expect(metrics).toMatch(/^repro_pins_jobs\{state="failed",role="worker"\} 0$/m);
    expect(metrics).toMatch(/^repro_pins_scan_duration_seconds_count\{role="worker",job="scan"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^repro_pins_registry_lookup_cache_hits_total\{datasource="docker",role="worker"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^repro_pins_github_requests_total\{status="201",role="worker"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^repro_pins_github_rate_limit_remaining\{installation="10\d\d",role="worker"\} 4999$/m);
    const health = await (await fetch(`http://127.0.0.1:${second.port}/health`)).json();
    expect(health).toEqual({ status: 'ok', role: 'worker', queue: 'redis', worker: 'running' });
  });
});

test('one large installation gets at most its share of the fleet (REPRO_PINS_INSTALLATION_CONCURRENCY) and a small one is not starved', async () => {
  const repos = (names: string[]) => names.map((name) => ({ name, files: { Dockerfile: `FROM ${registry.host}/acme/base:1.0\n` } }));
  github.load([
    { id: 50, account: 'big', repositories: repos(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']) },
    { id: 60, account: 'small', repositories: repos(['s1', 's2']) },
  ]);
  // Eight job slots in the fleet, two of them for any one installation.
  await Promise.all([startWorker({ REPRO_PINS_INSTALLATION_CONCURRENCY: '2' }), startWorker({ REPRO_PINS_INSTALLATION_CONCURRENCY: '2' })]);
  expect((await runRepoPins(['app', 'scan-now'], { REDIS_URL: redis.url })).code).toBe(0);
  await until(async () => github.count('POST', /^\/repos\/[^/]+\/[^/]+\/issues$/) === 10 && (await queueIsDrained()), 'all ten repositories were scanned');

  // Each scan's span of GitHub calls lies inside the time its worker held the installation's lease.
  const spans = new Map<string, { from: number; to: number }>();
  for (const call of github.calls) {
    const repo = /^\/repos\/([^/]+\/[^/]+)\//.exec(call.path)?.[1];
    if (repo) spans.set(repo, { from: Math.min(spans.get(repo)?.from ?? Infinity, call.at), to: Math.max(spans.get(repo)?.to ?? 0, call.at) });
  }
  const mostAtOnce = (owner: string) => {
    const own = [...spans].filter(([repo]) => repo.startsWith(`${owner}/`)).map(([, span]) => span);
    return Math.max(...own.map((span) => own.filter((other) => other.from <= span.from && span.from <= other.to).length));
  };
  expect(mostAtOnce('big')).toBe(2);
  const lastOf = (owner: string) => Math.max(...[...spans].filter(([repo]) => repo.startsWith(`${owner}/`)).map(([, span]) => span.to));
  expect(lastOf('small')).toBeLessThan(lastOf('big'));
  expect(github.count('POST', /\/pulls$/)).toBe(10);
});

test('a worker killed while GitHub carries out its write leaves the job to the other worker, which finishes it without a second commit or PR', async () => {
  github.load([{ id: 7, account: 'acme', repositories: [{ name: 'api', files: { Dockerfile: `FROM ${registry.host}/acme/base:1.0\n` } }] }]);
  const first = await startWorker();
  // GitHub creates the pin branch, but the answer never reaches the first worker.
  const branchCreated = github.holdNext((call) => call.method === 'POST' && call.path === '/repos/acme/api/git/refs');
  expect((await runRepoPins(['app', 'scan-now', '--installation', '7'], { REDIS_URL: redis.url })).code).toBe(0);
  await branchCreated.arrived;
  const second = await startWorker();
  await first.kill('SIGKILL');

  await until(async () => github.issues('acme', 'api').length === 1 && (await queueIsDrained()), 'the scan finished on the second worker');
  expect(github.pullRequests('acme', 'api')).toEqual([expect.objectContaining({ head: 'repro-pins/new-pins', state: 'open', draft: true })]);
  expect(github.count('POST', /^\/repos\/acme\/api\/pulls$/)).toBe(1);
  expect(github.count('POST', /^\/repos\/acme\/api\/git\/commits$/)).toBe(1);
  expect(github.count('POST', /^\/repos\/acme\/api\/git\/refs$/)).toBe(1);
  const [job] = (await queue.getCompleted()).filter((j) => j.name === 'scan-repository');
  expect(job).toMatchObject({ processedBy: second.name, stalledCounter: 1, data: { owner: 'acme', repo: 'api' } });
  expect(github.unhandled).toEqual([]);
});

test('the cluster tick fires once per period however many workers run, and Probot throttles GitHub calls through the same Redis', async () => {
  github.load([{ id: 9, account: 'acme', repositories: [{ name: 'api', files: { 'README.md': '# api\n' } }] }]);
  // Every second, with Probot's throttling on: it keeps its Bottleneck state in the same Redis.
  const env = { REPRO_PINS_SCHEDULE_TICK: '* * * * * *', REPRO_PINS_GITHUB_THROTTLE: 'on' };
  await Promise.all([startWorker(env), startWorker(env)]);
  await new Promise((resolve) => setTimeout(resolve, 4500));
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));

  // One job per firing, one firing per second: no second left out, none run twice.
  const ticks = (await queue.getCompleted(0, 1000)).filter((job) => job.name === 'scheduled-tick');
  // The firing instant BullMQ records on each tick job (what the worker scans up to).
  const firings = ticks.map((job) => job.opts.prevMillis ?? Number.NaN).sort((a, b) => a - b);
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  expect(new Set(firings).size).toBe(ticks.length);
  expect((firings.at(-1)! - firings[0]!) / 1000 + 1).toBe(ticks.length);
  // Each tick listed the installations once: the fan-out ran once per firing, not once per process.
  expect(github.count('GET', /^\/app\/installations$/)).toBe(ticks.length);
  expect(await client.keys('b_octokit-global-9*')).not.toEqual([]);
});
