import type { Redis } from 'ioredis';
import { throttleAddressGroup, throttleWideAddressGroup } from '#libs/http/client-address.js';
import { RedisThrottlerStorage } from '#libs/http/rate-limit/redis-throttler.storage.js';

export type ResetThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Password reset requests per client address, counted in Redis like sign-in attempts (shared by every API
 * process): per address (IPv6: per /64) and, for IPv6, per /48 with a higher limit, so rotating addresses
 * within a network gets no fresh budget. Counted per address only, never per account: the answer must not
 * depend on whether the address asked about exists. Mail bombing one account is held back separately
 * (one reset mail per user per PASSWORD_RESET_MIN_INTERVAL_MINUTES).
 */
export class PasswordResetThrottle {
  private static readonly NAME = 'password-reset';
  private readonly storage: RedisThrottlerStorage;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly limits: { maxPerAddress: number; windowSeconds: number },
  ) {
    this.storage = new RedisThrottlerStorage(redis, `${prefix}:password-reset`);
  }

  async attempt(clientAddress: string): Promise<ResetThrottleVerdict> {
    const windowMs = this.limits.windowSeconds * 1000;
    const buckets: [string, number][] = [[`ip:${throttleAddressGroup(clientAddress)}`, this.limits.maxPerAddress]];
    const wide = throttleWideAddressGroup(clientAddress);
    if (wide) buckets.push([`net:${wide}`, this.limits.maxPerAddress * 30]);
    let retryAfterSeconds = 0;
    for (const [key, limit] of buckets) {
      const record = await this.storage.increment(key, windowMs, limit, windowMs, PasswordResetThrottle.NAME);
      if (record.isBlocked) retryAfterSeconds = Math.max(retryAfterSeconds, record.timeToBlockExpire, 1);
    }
    return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
  }
}
