import type { Redis } from 'ioredis';

/** A counted lease: at most `limit` holders of `key` at once (1 makes it a lock). */
export interface LeaseClaim {
  key: string;
  limit: number;
}

// Each lease is a sorted set of holders scored by when their lease lapses, in Redis' own clock
// (TIME), so workers on machines with skewed clocks agree. A holder that dies simply lapses.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** All or nothing: every key has room (or already lists the holder), then the holder is added to each. */
const ACQUIRE = `${NOW}
local holder, ttl = ARGV[1], tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, holder) and redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, holder)
  redis.call('PEXPIRE', key, ttl)
end
return 1`;

/** Extends the holder's leases it still has; answers how many it had lost. */
const RENEW = `${NOW}
local holder, ttl, lost = ARGV[1], tonumber(ARGV[2]), 0
for _, key in ipairs(KEYS) do
  if redis.call('ZSCORE', key, holder) then
    redis.call('ZADD', key, now + ttl, holder)
    redis.call('PEXPIRE', key, ttl)
  else
    lost = lost + 1
  end
end
return lost`;

/**
 * Leases in Redis that every worker of the fleet honours: one per repository (limit 1, so two
 * workers never scan one repository at once, whichever queued job asks) and one per installation
 * (limit N, so one organisation's thousand repositories cannot take every worker). BullMQ's own
 * group concurrency is a Pro feature, hence these.
 */
export class RedisLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'repro-pins:lease:',
  ) {}

  async acquire(claims: LeaseClaim[], holder: string, ttlMs: number): Promise<boolean> {
    if (claims.length === 0) return true;
    const result = await this.redis.eval(ACQUIRE, claims.length, ...claims.map((c) => this.prefix + c.key), holder, String(ttlMs), ...claims.map((c) => String(c.limit)));
    return result === 1;
  }

  /** Returns the number of leases the holder no longer had (they lapsed: its worker stalled). */
  async renew(claims: LeaseClaim[], holder: string, ttlMs: number): Promise<number> {
    if (claims.length === 0) return 0;
    const lost = await this.redis.eval(RENEW, claims.length, ...claims.map((c) => this.prefix + c.key), holder, String(ttlMs));
    return Number(lost);
  }

  async release(claims: LeaseClaim[], holder: string): Promise<void> {
    if (claims.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const claim of claims) pipeline.zrem(this.prefix + claim.key, holder);
    await pipeline.exec();
  }

  /** Who holds a lease now (for tests and operators). */
  async holders(key: string): Promise<string[]> {
    return this.redis.zrangebyscore(this.prefix + key, Date.now(), '+inf');
  }
}
