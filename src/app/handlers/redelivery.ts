import type { LookupStore } from '../../core/datasources/shared-lookups.js';
import { BoundedCache } from '../github/bounded-cache.js';

/**
 * GitHub redelivers webhooks: a delivery redelivered from the App's settings keeps its
 * `X-GitHub-Delivery` id, and a delivery GitHub retries may come again under a new one. Either way
 * the App must not act twice (answer `/repro help` twice, dispatch a second twice-build). A
 * handler runs only after it claims every key of its event: the delivery id, plus for a comment
 * the comment's id (the same comment under a new delivery id). Claims live where the queue
 * lives: in memory for one process, in Redis (`SET NX PX`, the lookup store's claim) for a cluster.
 */
export type HandledClaims = Pick<LookupStore, 'claim' | 'release'>;

/** GitHub keeps deliveries for redelivery 3 days; a day more covers a delivery queued near the end. */
export const HANDLED_TTL_MS = 4 * 24 * 3600 * 1000;

/** The claims of one process: bounded, so a long-running App forgets the oldest first. */
export class InProcessClaims implements HandledClaims {
  readonly #until = new BoundedCache<string, number>(50_000);

  constructor(private readonly now = () => Date.now()) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const until = this.#until.get(key);
    if (until !== undefined && until > this.now()) return false;
    this.#until.set(key, this.now() + ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    this.#until.set(key, 0);
  }
}

/**
 * Runs `work` once per set of keys: a key already claimed means the event was handled (or is
 * being handled) and nothing is done. A failed run releases its claims, so GitHub's or an
 * operator's redelivery of a failed delivery is handled again.
 */
export async function handleOnce(claims: HandledClaims, keys: string[], work: () => Promise<void>): Promise<void> {
  const taken: string[] = [];
  for (const key of keys) {
    if (!(await claims.claim(key, HANDLED_TTL_MS))) {
      await Promise.all(taken.map((k) => claims.release(k)));
      return;
    }
    taken.push(key);
  }
  try {
    await work();
  } catch (error) {
    await Promise.all(taken.map((k) => claims.release(k)));
    throw error;
  }
}

/** The keys of a webhook: its delivery id and, for a comment, the comment. */
export function handledKeysOf(context: { id: string; name: string; payload: object }): string[] {
  const keys = [`delivery:${context.id}`];
  const comment = 'comment' in context.payload ? context.payload.comment : undefined;
  if (typeof comment === 'object' && comment !== null && 'id' in comment && typeof comment.id === 'number') keys.push(`${context.name}:${comment.id}`);
  return keys;
}
