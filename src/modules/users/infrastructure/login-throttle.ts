import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { throttleAddressGroup } from '../../../../libs/http/client-address.js';
import { loginBackoffSeconds, type LoginBackoffPolicy } from '../domain/login-backoff.js';

export interface LoginThrottleLimits extends LoginBackoffPolicy {
  /** Attempts per (account, client address) in the window before that pair gets 429. */
  maxPerAccountAndAddress: number;
  /** Attempts per client address over all accounts in the window (credential stuffing). */
  maxPerAddress: number;
  windowSeconds: number;
  /** How long an address that signed in to an account stays exempt from that account's backoff gate. */
  knownAddressSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/*
 * One atomic step before the password is checked, so parallel guesses cannot slip through:
 *  1. the (account, address) pair: over its limit => refused for the rest of its window;
 *  2. the address over all accounts: over its limit => refused;
 *  3. the account over all addresses, for addresses that never signed in to this account: beyond the free
 *     attempts an attempt needs the account's gate to be open, and closes it for the next backoff period
 *     (the delay, computed by the caller's policy, is passed in as a table indexed by attempt number
 *     beyond the free ones). An address that signed in to this account before (the known key exists)
 *     is not held at the gate and does not move it: an attacker elsewhere cannot keep the owner out.
 * Only an attempt that passes every check is counted, at the pair, the address and (unknown addresses)
 * the account. A refusal counts nowhere: waiting at the account's gate does not use up the owner's own
 * pair, and one address cannot push the account's backoff past what its own pair limit allows.
 * KEYS: pair, address, account attempts, account gate, known. ARGV: window, pair max, address max, free, delays...
 */
const ATTEMPT_SCRIPT = `
local window = tonumber(ARGV[1])
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
if pair >= tonumber(ARGV[2]) then return {0, redis.call('TTL', KEYS[1])} end
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address >= tonumber(ARGV[3]) then return {0, redis.call('TTL', KEYS[2])} end
local known = redis.call('EXISTS', KEYS[5]) == 1
if not known then
  local gate = redis.call('PTTL', KEYS[4])
  if gate > 0 then return {0, math.ceil(gate / 1000)} end
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], window) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], window) end
if not known then
  local attempts = redis.call('INCR', KEYS[3])
  if attempts == 1 then redis.call('EXPIRE', KEYS[3], window) end
  local free = tonumber(ARGV[4])
  if attempts > free then
    local index = math.min(attempts - free, #ARGV - 4)
    redis.call('SET', KEYS[4], '1', 'PX', math.floor(tonumber(ARGV[4 + index]) * 1000))
  end
end
return {1, 0}`;

/**
 * Sign-in throttling in Redis, shared by every API instance: limits per (account, client address) and
 * per address, and an exponential, capped backoff per account instead of a lock-out, which does not apply
 * to addresses the owner signed in from before, so an attacker cannot keep the owner of an account out by
 * failing from somewhere else.
 */
export class LoginThrottle {
  private readonly delays: number[];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: LoginThrottleLimits,
  ) {
    // Delays for attempts free+1, free+2, ... until the cap is reached (the last entry repeats).
    this.delays = [];
    for (let n = limits.freeAttempts + 1; ; n++) {
      const delay = loginBackoffSeconds(n, limits);
      this.delays.push(delay);
      if (delay >= limits.maxSeconds || this.delays.length > 40) break;
    }
  }

  async attempt(email: string, clientAddress: string): Promise<ThrottleVerdict> {
    const keys = this.keys(email, clientAddress);
    const [allowed, retryAfter] = (await this.redis.eval(
      ATTEMPT_SCRIPT,
      5,
      keys.pair,
      keys.address,
      keys.accountAttempts,
      keys.accountGate,
      keys.known,
      this.limits.windowSeconds,
      this.limits.maxPerAccountAndAddress,
      this.limits.maxPerAddress,
      this.limits.freeAttempts,
      ...this.delays,
    )) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(retryAfter, 1) };
  }

  /**
   * A successful sign-in: the account and this pair start afresh; the address keeps its other attempts,
   * and becomes a known address of the account (exempt from its gate) for knownAddressSeconds.
   */
  async succeeded(email: string, clientAddress: string): Promise<void> {
    const keys = this.keys(email, clientAddress);
    await this.redis
      .multi()
      .del(keys.pair, keys.accountAttempts, keys.accountGate)
      .decr(keys.address)
      .set(keys.known, '1', 'EX', this.limits.knownAddressSeconds)
      .exec();
  }

  private keys(email: string, clientAddress: string) {
    // Hashed: no email addresses in Redis key names (they show up in monitoring and key scans).
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    const base = `${this.prefix}:login`;
    // IPv6 by /64: one subscriber can use any address of their /64, each would otherwise count afresh.
    const address = throttleAddressGroup(clientAddress);
    return {
      pair: `${base}:pair:${account}:${address}`,
      address: `${base}:address:${address}`,
      accountAttempts: `${base}:account:${account}:attempts`,
      accountGate: `${base}:account:${account}:gate`,
      known: `${base}:account:${account}:known:${address}`,
    };
  }
}
