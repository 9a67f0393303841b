import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LookupStore } from '../../core/datasources/shared-lookups.js';

// Deletes the fill claim only when this process still holds it (it may have lapsed and been taken).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Registry answers shared by every worker through Redis. Keys are hashed: a lookup key holds
 * registry hosts and names of private images, which need not be readable in Redis' key space.
 */
export class RedisLookupStore implements LookupStore {
  readonly #holder = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'repro-pins:lookup:',
  ) {}

  read(key: string): Promise<string | null> {
    return this.redis.get(this.#valueKey(key));
  }

  async write(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.#valueKey(key), value, 'PX', ttlMs);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.#fillKey(key), this.#holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.#fillKey(key), this.#holder);
  }

  #valueKey(key: string): string {
    return `${this.prefix}value:${hashOf(key)}`;
  }

  #fillKey(key: string): string {
    return `${this.prefix}fill:${hashOf(key)}`;
  }
}

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
