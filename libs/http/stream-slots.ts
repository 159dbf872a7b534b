import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Takes a slot when fewer than `max` are held: one sorted set per user, a member per open stream, scored by
 * when it lapses. Slots past their time are dropped first, so the slots of a process that died without
 * releasing them free themselves once the longest a stream may live has passed.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`;

export interface StreamSlot {
  release(): Promise<void>;
}

/** A cap on concurrent long-lived responses per user, counted in Redis so that it holds across API processes. */
export class StreamSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly max: number,
    /** The longest a slot is held; a slot not released by then lapses. */
    private readonly holdMs: number,
  ) {}

  /** A slot, or undefined when the user already holds the maximum. */
  async acquire(userId: string): Promise<StreamSlot | undefined> {
    const key = `${this.keyPrefix}:${userId}`;
    const member = randomUUID();
    const now = Date.now();
    const taken = await this.redis.eval(ACQUIRE, 1, key, String(now), String(this.max), String(now + this.holdMs), member);
    if (taken !== 1) return undefined;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.redis.zrem(key, member);
      },
    };
  }
}
