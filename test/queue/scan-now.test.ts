/**
 * `repro-pins app scan-now`, /health and /metrics, and the webhook server's side of REDIS_URL:
 * handlers enqueue jobs that carry ids only.
 */
import { Queue } from 'bullmq';
import nock from 'nock';
import pino from 'pino';
import { Probot, ProbotOctokit, Server } from 'probot';
import { createApp } from '../../src/app/app.js';
import { QUEUE_NAME } from '../../src/app/queue/redis-queue.js';
import type { AppRuntime } from '../../src/app/runtime.js';
import { API, INSTALLATION_ID, fakeRepo, mockAppAuth, pushPayload, testPrivateKey } from '../app/github-fake.js';
import { runRepoPins } from '../support/cli-harness.js';
import { freePort } from '../../bench/loopback-registry.js';
import { startRedisServer, type RedisServer } from '../../bench/app-redis-server.js';
import { useNock } from '../support/nock.js';

const TOKEN = 'admin-token-for-the-tests-0123456789';

let redis: RedisServer;
let queue: Queue;

beforeAll(async () => {
  redis = await startRedisServer();
  queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
});

useNock('127.0.0.1');

afterEach(async () => {
  await queue.obliterate({ force: true });
});

afterAll(async () => {
  await queue?.close();
  await redis?.stop();
});

describe('without REDIS_URL: the single process, asked over its own HTTP port', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const log = pino({ level: 'silent' });
    server = new Server({
      port,
      host: '127.0.0.1',
      log,
      Probot: Probot.defaults({ appId: 1, privateKey: testPrivateKey, log, Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })) }),
    });
    await server.load(createApp({ env: { REPRO_PINS_ADMIN_TOKEN: TOKEN, DOCKER_CONFIG: '/nonexistent' }, onScheduler: () => undefined }));
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('scan-now with the shared token queues the scan in the running App and exits 0; the App then scans', async () => {
    const scope = mockAppAuth(nock(API), { identity: false });
    const listed = new Promise<void>((resolve) => {
      scope
        .get('/installation/repositories')
        .query({ per_page: '100' })
        .reply(200, () => {
          resolve();
          return { total_count: 0, repositories: [] };
        });
    });
    const run = await runRepoPins(['app', 'scan-now', '--installation', String(INSTALLATION_ID)], { REPRO_PINS_APP_URL: url, REPRO_PINS_ADMIN_TOKEN: TOKEN });
    expect(run).toEqual({ code: 0, stdout: `repro-pins: queued the scan of the repositories of installation ${INSTALLATION_ID} (asked the App at ${url}; it runs the scan in its own process)\n`, stderr: '' });
    await listed;
  });

  test('a wrong token, a missing token, or no App listening is exit 2 with what to fix', async () => {
    const wrong = await runRepoPins(['app', 'scan-now'], { REPRO_PINS_APP_URL: url, REPRO_PINS_ADMIN_TOKEN: 'not-the-token-of-the-app-0000' });
    expect(wrong).toMatchObject({ code: 2, stdout: '' });
    expect(wrong.stderr).toContain("refused the token: REPRO_PINS_ADMIN_TOKEN differs from the App's");
    const missing = await runRepoPins(['app', 'scan-now'], { REPRO_PINS_APP_URL: url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('neither REDIS_URL nor REPRO_PINS_ADMIN_TOKEN is set');
    const nobody = await runRepoPins(['app', 'scan-now'], { REPRO_PINS_APP_URL: `http://127.0.0.1:${await freePort()}`, REPRO_PINS_ADMIN_TOKEN: TOKEN });
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/did not answer \(.*ECONNREFUSED.*\); is `npm start` running there/);
    expect((await runRepoPins(['app', 'scan-now', '--installation', 'abc'])).code).toBe(2);
  });

  test('/health answers and /metrics speaks Prometheus on the App port, beside the webhooks', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok', role: 'app', queue: 'in-process' });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    for (const name of ['repro_pins_jobs', 'repro_pins_scan_duration_seconds', 'repro_pins_registry_lookups_total', 'repro_pins_registry_lookup_cache_hits_total', 'repro_pins_github_requests_total', 'repro_pins_github_rate_limit_remaining']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/^repro_pins_jobs\{state="waiting",role="app"\} 0$/m);
  });
});

describe('with REDIS_URL', () => {
  test('scan-now puts one fan-out job into Redis and exits 0; asking again while it waits adds nothing', async () => {
    const first = await runRepoPins(['app', 'scan-now'], { REDIS_URL: redis.url });
    const again = await runRepoPins(['app', 'scan-now'], { REDIS_URL: redis.url });
    const one = await runRepoPins(['app', 'scan-now', '--installation', '77'], { REDIS_URL: redis.url });
    expect([first.code, again.code, one.code]).toEqual([0, 0, 0]);
    const waiting = await queue.getWaiting();
    expect(waiting.map((job) => [job.name, job.data.installationId, job.data.window])).toEqual(
      expect.arrayContaining([
        ['scan-all', null, null],
        ['scan-all', 77, null],
      ]),
    );
    expect(waiting).toHaveLength(2);
  });

  test('scan-now with an unreachable Redis is exit 2, quickly', async () => {
    const started = Date.now();
    const run = await runRepoPins(['app', 'scan-now'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^repro-pins: could not queue the scan of every installed repository: Redis at redis:\/\/127\.0\.0\.1:\d+\/? did not take the job/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('the webhook server only enqueues: a push becomes a job with ids, no token, and no GitHub call', async () => {
    let runtime: AppRuntime | undefined;
    const probot = new Probot({ appId: 1, privateKey: testPrivateKey, log: pino({ level: 'silent' }) });
    await probot.load(createApp({ env: { REDIS_URL: redis.url, DOCKER_CONFIG: '/nonexistent' }, onScheduler: () => undefined, onRuntime: (r) => (runtime = r) }));
    try {
      expect(runtime?.mode).toBe('redis');
      const repo = fakeRepo('acme', 'api', { Dockerfile: 'FROM alpine:3.20\n' });
      await probot.receive({ id: 'push-redis', name: 'push', payload: pushPayload(repo, ['Dockerfile']) as never });
      const [job] = await queue.getWaiting();
      expect(job?.name).toBe('scan-repository');
      expect(job?.data).toEqual({ kind: 'scan-repository', installationId: INSTALLATION_ID, owner: 'acme', repo: 'api', defaultBranch: 'main', onboard: false, force: false, ignore: null, window: null, runId: expect.any(String) });
    } finally {
      await runtime?.stop();
    }
  });
});
