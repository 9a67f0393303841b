/** The Redis structures the workers share besides BullMQ's own: job leases, the lookup cache, the tick ledger. */
import { Redis } from 'ioredis';
import type { Datasource } from '../../src/core/datasources/datasource.js';
import { shareLookups } from '../../src/core/datasources/shared-lookups.js';
import type { DependencyRef } from '../../src/core/reference.js';
import { RedisLeases } from '../../src/app/queue/leases.js';
import { RedisLookupStore } from '../../src/app/queue/redis-lookup-store.js';
import { TickLedger } from '../../src/app/schedule/cluster-scheduler.js';
import { startRedisServer, type RedisServer } from '../../bench/app-redis-server.js';

let redis: RedisServer;
let clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterEach(async () => {
  await clients[0]?.flushall();
  await Promise.all(clients.map((c) => c.quit()));
  clients = [];
});

afterAll(async () => {
  await redis?.stop();
});

/** A connection of its own, as each worker process has. */
function connect(): Redis {
  const client = new Redis(redis.url);
  clients.push(client);
  return client;
}

describe('leases', () => {
  const repo = (name: string) => ({ key: `repository:acme/${name}`, limit: 1 });
  const installation = { key: 'installation:7', limit: 2 };

  test('one holder per repository, two per installation, all or nothing', async () => {
    const [a, b] = [new RedisLeases(connect()), new RedisLeases(connect())];
    expect(await a.acquire([repo('api'), installation], 'job-1', 10_000)).toBe(true);
    // Same repository: refused, and the refusal takes nothing from the installation.
    expect(await b.acquire([repo('api'), installation], 'job-2', 10_000)).toBe(false);
    expect(await b.acquire([repo('web'), installation], 'job-3', 10_000)).toBe(true);
    expect(await b.acquire([repo('cli'), installation], 'job-4', 10_000)).toBe(false);
    expect((await a.holders('installation:7')).sort()).toEqual(['job-1', 'job-3']);
    await a.release([repo('api'), installation], 'job-1');
    expect(await b.acquire([repo('cli'), installation], 'job-4', 10_000)).toBe(true);
  });

  test("a dead holder's lease lapses; a live one renews it", async () => {
    const leases = new RedisLeases(connect());
    expect(await leases.acquire([repo('api')], 'dead', 200)).toBe(true);
    expect(await leases.acquire([repo('web')], 'alive', 200)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await leases.renew([repo('web')], 'alive', 200)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await leases.acquire([repo('api')], 'next', 200)).toBe(true);
    expect(await leases.acquire([repo('web')], 'next', 200)).toBe(false);
    expect(await leases.renew([repo('api')], 'dead', 200)).toBe(1);
  });
});

describe('the shared lookup cache', () => {
  const ref: DependencyRef = { file: 'Dockerfile', line: 1, manager: 'dockerfile', datasource: 'docker', name: 'ghcr.io/acme/base', value: '1.0', digest: null, pinned: false, skipped: null };

  test('ten lookups of one tag from two processes at once reach the registry once; the answer outlives them for the TTL', async () => {
    let asked = 0;
    const registry: Datasource = {
      lookupKey: (r) => `${r.name}:${r.value}`,
      async resolve() {
        asked += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { ok: true, pin: { digest: `sha256:${'a'.repeat(64)}`, tag: '1.0' } };
      },
    };
    const processes = [connect(), connect()].map((client) => shareLookups('docker ', registry, new RedisLookupStore(client), { successTtlMs: 60_000, failureTtlMs: 1000 }));
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => processes[i % 2]!.resolve(ref)));
    expect(asked).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    const [valueKey] = await clients[0]!.keys('repro-pins:lookup:value:*');
    expect(await clients[0]!.pttl(valueKey!)).toBeGreaterThan(59_000);
    // The key is a hash: image names of private registries are not spelled out in Redis.
    expect(valueKey).toMatch(/^repro-pins:lookup:value:[0-9a-f]{64}$/);
    expect(await clients[0]!.keys('repro-pins:lookup:fill:*')).toEqual([]);
  });

  test('a failure is kept briefly, then the registry is asked again', async () => {
    let asked = 0;
    const registry: Datasource = { lookupKey: (r) => `${r.name}:${r.value}`, resolve: async () => ({ ok: false, message: `registry answered 503 (try ${++asked})` }) };
    const shared = shareLookups('docker ', registry, new RedisLookupStore(connect()), { successTtlMs: 60_000, failureTtlMs: 150 });
    expect(await shared.resolve(ref)).toEqual({ ok: false, message: 'registry answered 503 (try 1)' });
    expect(await shared.resolve(ref)).toEqual({ ok: false, message: 'registry answered 503 (try 1)' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await shared.resolve(ref)).toEqual({ ok: false, message: 'registry answered 503 (try 2)' });
  });
});

describe('the tick ledger', () => {
  const at = (iso: string) => Date.parse(iso);

  test('a tick covers its cron window; one taken late reaches back to where the last finished tick stopped, at most a day', async () => {
    const ledger = new TickLedger(connect(), '*/10 * * * *');
    expect(await ledger.windowFor(at('2030-01-07T06:10:00Z'))).toEqual({ after: at('2030-01-07T06:00:00Z'), until: at('2030-01-07T06:10:00Z') });
    await ledger.covered(at('2030-01-07T06:10:00Z'));
    // The fleet was busy: the next job BullMQ made fired at 06:40, skipping 06:20 and 06:30.
    expect(await ledger.windowFor(at('2030-01-07T06:40:00Z'))).toEqual({ after: at('2030-01-07T06:10:00Z'), until: at('2030-01-07T06:40:00Z') });
    // A tick older than what is covered (a retried, long-stalled job) has nothing left to scan.
    await ledger.covered(at('2030-01-07T06:40:00Z'));
    await ledger.covered(at('2030-01-07T06:30:00Z'));
    expect(await ledger.windowFor(at('2030-01-07T06:30:00Z'))).toBeNull();
    expect(await ledger.windowFor(at('2030-01-09T00:00:00Z'))).toEqual({ after: at('2030-01-08T00:00:00Z'), until: at('2030-01-09T00:00:00Z') });
  });
});
