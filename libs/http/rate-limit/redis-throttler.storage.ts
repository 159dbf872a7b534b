import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

/** The record @nestjs/throttler expects (times in seconds, as its in-memory storage returns them). */
export interface ThrottleRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

// One round trip, atomic: count the hit in a fixed window, and block the key once it passes the limit.
// KEYS[1] hit counter, KEYS[2] block marker; ARGV ttl ms, limit, block ms.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {hits, ttl, 1, blocked} end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

// KEYS[1] hit counter. DECR keeps the counter's expiry.
const GIVE_BACK = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/**
 * Throttler storage in Redis, so that a limit holds across every API process (the in-memory default
 * counts per process: three processes would allow three times the limit).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottleRecord> {
    const base = `${this.prefix}:${throttlerName}:${key}`;
    const [hits, ttlMs, blocked, blockMs] = (await this.redis.eval(INCREMENT, 2, `${base}:hits`, `${base}:block`, ttl, limit, blockDuration)) as number[];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockMs / 1000),
    };
  }

  /**
   * Takes back one hit counted by increment (a request counted before it was processed that turned out not
   * to be one to count). Never below zero, and never creates the counter: an expired window stays expired.
   */
  async giveBack(key: string, throttlerName: string): Promise<void> {
    await this.redis.eval(GIVE_BACK, 1, `${this.prefix}:${throttlerName}:${key}:hits`);
  }

  /** Milliseconds the key stays blocked (0: not blocked), without counting a hit. */
  async blockedFor(key: string, throttlerName: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(`${this.prefix}:${throttlerName}:${key}:block`));
  }
}
