import { z } from 'zod';
import type { DatasourceName } from '../reference.js';
import type { Datasource, LookupResult } from './datasource.js';

/**
 * A key-value store shared by every process that looks things up (Redis in a fleet of App
 * workers). The decorator below only needs these four operations, so the core never sees Redis.
 */
export interface LookupStore {
  read(key: string): Promise<string | null>;
  write(key: string, value: string, ttlMs: number): Promise<void>;
  /** Takes the right to fill `key` for `ttlMs`: true for exactly one caller until it releases or the claim lapses. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

export interface SharedLookupOptions {
  /** How long an answer with a pin is kept: one scan period, so the fleet asks each tag once per period. */
  successTtlMs: number;
  /** How long a failure is kept: briefly, so an outage is not asked about by every worker, yet soon retried. */
  failureTtlMs: number;
  /** How long a claim to fill a key lasts; a waiter whose filler died looks the key up itself after it. */
  claimTtlMs?: number;
  /** How often a waiter checks whether the filler has written the answer. */
  pollMs?: number;
  /** A cached answer was used instead of a lookup. */
  onHit?: () => void;
  /** The store failed; the lookup went ahead without it (a cache never fails a lookup). */
  onStoreError?: (error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

// Parsed at the border: a value written by another version of the App, or by hand, is a miss.
const lookupResultSchema = z.union([
  z.object({ ok: z.literal(true), pin: z.looseObject({ digest: z.string().optional(), version: z.string().optional(), tag: z.string().optional(), note: z.string().optional() }) }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

function parseCached(text: string | null): LookupResult | null {
  if (text === null) return null;
  try {
    const parsed = lookupResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Wraps a datasource so its answers are shared through a store: the first process to miss a key
 * claims it, looks it up and writes the answer; the others wait for that answer instead of asking
 * the registry too. Keys are `namespace` plus the datasource's own lookup key, so a client
 * configured differently (an insecure registry, another mirror) never shares answers.
 * Extra members of the datasource (the Python index client) are kept as they are.
 */
export function shareLookups<D extends Datasource>(namespace: string, datasource: D, store: LookupStore, options: SharedLookupOptions): D {
  const claimTtlMs = options.claimTtlMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** The cached answer, or the right to fill the key, or neither when the store is not working. */
  async function readOrClaim(storeKey: string): Promise<{ cached: LookupResult } | 'claimed' | 'unavailable'> {
    const deadline = Date.now() + 2 * claimTtlMs;
    try {
      for (;;) {
        const cached = parseCached(await store.read(storeKey));
        if (cached) return { cached };
        if (await store.claim(storeKey, claimTtlMs)) {
          // Read again under the claim: the previous filler may have written and released
          // between our read and our claim (without this, two workers look one tag up).
          const filled = parseCached(await store.read(storeKey));
          if (!filled) return 'claimed';
          await store.release(storeKey);
          return { cached: filled };
        }
        // Someone else is filling the key; past the deadline the store is not working as it should.
        if (Date.now() > deadline) return 'unavailable';
        await sleep(pollMs);
      }
    } catch (error) {
      options.onStoreError?.(error);
      return 'unavailable';
    }
  }

  async function guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      options.onStoreError?.(error);
    }
  }

  return {
    ...datasource,
    lookupKey: (ref) => datasource.lookupKey(ref),
    async resolve(ref) {
      const key = datasource.lookupKey(ref);
      if (key === null) return datasource.resolve(ref);
      const storeKey = `${namespace}\0${key}`;
      const shared = await readOrClaim(storeKey);
      if (typeof shared === 'object') {
        options.onHit?.();
        return shared.cached;
      }
      let result: LookupResult;
      try {
        result = await datasource.resolve(ref);
      } catch (error) {
        // An unexpected failure is not an answer: nothing is cached, and the waiters may try themselves.
        if (shared === 'claimed') await guarded(() => store.release(storeKey));
        throw error;
      }
      if (shared === 'claimed') {
        await guarded(async () => {
          await store.write(storeKey, JSON.stringify(result), result.ok ? options.successTtlMs : options.failureTtlMs);
          await store.release(storeKey);
        });
      }
      return result;
    },
  };
}

/** Counts the lookups a datasource really makes (after every cache), for the metrics. */
export function countLookups<D extends Datasource>(datasource: D, onLookup: () => void): D {
  return {
    ...datasource,
    lookupKey: (ref) => datasource.lookupKey(ref),
    resolve(ref) {
      onLookup();
      return datasource.resolve(ref);
    },
  };
}

/** What a scan run applies to each datasource it creates: the App's metrics and shared cache. */
export type DatasourceDecorator = (name: DatasourceName, namespace: string, datasource: Datasource) => Datasource;
