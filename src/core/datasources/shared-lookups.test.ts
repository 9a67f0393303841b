import type { DependencyRef } from '../reference.js';
import type { Datasource, LookupResult } from './datasource.js';
import { countLookups, shareLookups, type LookupStore } from './shared-lookups.js';

/** The store as one Redis would be for several processes: one map, claims that lapse. */
class MemoryStore implements LookupStore {
  readonly values = new Map<string, { value: string; ttlMs: number }>();
  readonly claims = new Set<string>();
  failing = false;

  async read(key: string) {
    if (this.failing) throw new Error('store down');
    return this.values.get(key)?.value ?? null;
  }
  async write(key: string, value: string, ttlMs: number) {
    this.values.set(key, { value, ttlMs });
  }
  async claim(key: string) {
    if (this.claims.has(key)) return false;
    this.claims.add(key);
    return true;
  }
  async release(key: string) {
    this.claims.delete(key);
  }
}

const ref = (name: string, value: string | null = '1.0'): DependencyRef => ({ file: 'Dockerfile', line: 1, manager: 'dockerfile', datasource: 'docker', name, value, digest: null, pinned: false, skipped: null });

function slowDatasource(answer: (ref: DependencyRef) => LookupResult): Datasource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookupKey: (r) => (r.value === null ? null : `${r.name}:${r.value}`),
    async resolve(r) {
      asked.push(`${r.name}:${r.value}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answer(r);
    },
  };
}

const options = { successTtlMs: 3_600_000, failureTtlMs: 60_000, pollMs: 5 };

test('two processes asking for one tag at once make one lookup; the other gets the shared answer', async () => {
  const store = new MemoryStore();
  const source = slowDatasource(() => ({ ok: true, pin: { digest: 'sha256:abc', tag: '1.0' } }));
  let hits = 0;
  const [a, b] = [0, 1].map(() => shareLookups('docker', source, store, { ...options, onHit: () => hits++ }));
  const results = await Promise.all([a!.resolve(ref('alpine')), b!.resolve(ref('alpine')), b!.resolve(ref('alpine'))]);
  expect(results).toEqual(Array(3).fill({ ok: true, pin: { digest: 'sha256:abc', tag: '1.0' } }));
  expect(source.asked).toEqual(['alpine:1.0']);
  expect(hits).toBe(2);
  expect([...store.values.values()][0]!.ttlMs).toBe(3_600_000);
  expect(store.claims.size).toBe(0);
});

test('a failure is shared only briefly, and another namespace never sees the answer', async () => {
  const store = new MemoryStore();
  const source = slowDatasource(() => ({ ok: false, message: 'registry answered 503' }));
  await shareLookups('docker insecure=a', source, store, options).resolve(ref('app'));
  await shareLookups('docker insecure=b', source, store, options).resolve(ref('app'));
  expect(source.asked).toEqual(['app:1.0', 'app:1.0']);
  expect([...store.values.values()].map((v) => v.ttlMs)).toEqual([60_000, 60_000]);
});

test('without a working store, or for a reference that needs no lookup, the datasource is asked directly', async () => {
  const store = new MemoryStore();
  store.failing = true;
  const errors: unknown[] = [];
  const source = slowDatasource(() => ({ ok: true, pin: { digest: 'sha256:def' } }));
  const shared = shareLookups('docker', source, store, { ...options, onStoreError: (e) => errors.push(e) });
  expect(await shared.resolve(ref('busybox'))).toEqual({ ok: true, pin: { digest: 'sha256:def' } });
  expect(errors).toHaveLength(1);
  expect(shared.lookupKey(ref('busybox', null))).toBeNull();
});

test('an answer in the store that does not parse is a miss; an unexpected failure releases the claim and is not cached', async () => {
  const store = new MemoryStore();
  await store.write('docker\0web:1.0', '{"ok":"maybe"}', 1000);
  const source: Datasource = { lookupKey: (r) => `${r.name}:${r.value}`, resolve: async () => Promise.reject(new Error('bug')) };
  await expect(shareLookups('docker', source, store, options).resolve(ref('web'))).rejects.toThrow('bug');
  expect(store.claims.size).toBe(0);
  expect(store.values.get('docker\0web:1.0')!.value).toBe('{"ok":"maybe"}');
});

test('countLookups counts what reaches the datasource and keeps its other members', async () => {
  let count = 0;
  const source = { ...slowDatasource(() => ({ ok: false, message: 'x' })), index: 'kept' };
  const counted = countLookups(source, () => count++);
  await counted.resolve(ref('a'));
  await counted.resolve(ref('b'));
  expect(count).toBe(2);
  expect(counted.index).toBe('kept');
});

test('a process that misses just before another fills and releases the key uses that answer, not a second lookup', async () => {
  const store = new MemoryStore();
  const source = slowDatasource(() => ({ ok: true, pin: { digest: 'sha256:abc', tag: '1.0' } }));
  // The race the app benchmark found with four workers: B reads (miss), then A writes and
  // releases, then B claims; B must read again under its claim.
  let readsBeforeFill = 1;
  const racing: LookupStore = {
    read: async (key) => {
      const value = await store.read(key);
      if (readsBeforeFill-- === 1) await store.write(key, JSON.stringify({ ok: true, pin: { digest: 'sha256:abc', tag: '1.0' } }), 1000);
      return value;
    },
    write: (key, value, ttlMs) => store.write(key, value, ttlMs),
    claim: (key) => store.claim(key),
    release: (key) => store.release(key),
  };
  const result = await shareLookups('docker', source, racing, options).resolve(ref('alpine'));
  expect(result).toEqual({ ok: true, pin: { digest: 'sha256:abc', tag: '1.0' } });
  expect(source.asked).toEqual([]);
  expect(store.claims.size).toBe(0);
});
