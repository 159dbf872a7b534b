import type { Redis } from 'ioredis';
import { throttleAddressGroup, throttleWideAddressGroup } from '#libs/http/client-address.js';
import { loginBackoffSeconds, type LoginBackoffPolicy } from '../domain/login-backoff.js';
import { loginAccountKey } from '../domain/login-device.js';

export interface LoginThrottleLimits extends LoginBackoffPolicy {
  /** Attempts per (account, client address) in the window before that pair gets 429. */
  maxPerAccountAndAddress: number;
  /** Attempts per client address over all accounts in the window (credential stuffing). */
  maxPerAddress: number;
  /** Attempts per IPv6 /48 over all accounts in the window (higher than maxPerAddress: many /64s share it). */
  maxPerWideNetwork: number;
  /** Attempts per device cookie in the window; beyond it the cookie is ignored until its window ends. */
  maxPerDevice: number;
  windowSeconds: number;
  /** How long an address that signed in to an account stays exempt from that account's backoff gate. */
  knownAddressSeconds: number;
}

export type ThrottleVerdict = { allowed: true; countedOnDevice: boolean } | { allowed: false; retryAfterSeconds: number };

/*
 * One atomic step before the password is checked, so parallel guesses cannot slip through:
 *  0. an attempt with a valid device cookie for this account (the device key is given) that has failure
 *     budget left on that device is counted only there and allowed: it skips the account's gate and the
 *     counters it shares with everybody else on its address (office NAT, carrier NAT, new networks), so
 *     neither failures elsewhere nor an attacker behind the same address can keep the owner out. Once the
 *     device's budget is used up, the cookie is ignored for the rest of its window (steps 1-4 apply);
 *  1. the (account, address) pair: over its limit => refused for the rest of its window;
 *  2. the address over all accounts: over its limit => refused; for IPv6 also its /48 ("wide"), with a
 *     higher limit, so rotating through the 65,536 /64s of a /48 gets no fresh attempts;
 *  3. the account over all addresses, for addresses that never signed in to this account: beyond the free
 *     attempts an attempt needs the account's gate to be open, and closes it for the next backoff period
 *     (the delay, computed by the caller's policy, is passed in as a table indexed by attempt number
 *     beyond the free ones). An address that signed in to this account before (the known key exists)
 *     is not held at the gate and does not move it: an attacker elsewhere cannot keep the owner out.
 * Only an attempt that passes every check is counted, at the pair, the address(es) and (unknown addresses)
 * the account. A refusal counts nowhere: waiting at the account's gate does not use up the owner's own
 * pair, and one address cannot push the account's backoff past what its own pair limit allows.
 * Returns {allowed, retryAfter, counted on the device}.
 * KEYS: pair, address, account attempts, account gate, known, device, wide.
 * ARGV: window, pair max, address max, free, has device, device max, has wide, wide max, delays...
 */
const ATTEMPT_SCRIPT = `
local window = tonumber(ARGV[1])
if ARGV[5] == '1' then
  local used = tonumber(redis.call('GET', KEYS[6]) or '0')
  if used < tonumber(ARGV[6]) then
    if redis.call('INCR', KEYS[6]) == 1 then redis.call('EXPIRE', KEYS[6], window) end
    return {1, 0, 1}
  end
end
local wide = ARGV[7] == '1'
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
if pair >= tonumber(ARGV[2]) then return {0, redis.call('TTL', KEYS[1]), 0} end
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address >= tonumber(ARGV[3]) then return {0, redis.call('TTL', KEYS[2]), 0} end
if wide then
  local network = tonumber(redis.call('GET', KEYS[7]) or '0')
  if network >= tonumber(ARGV[8]) then return {0, redis.call('TTL', KEYS[7]), 0} end
end
local known = redis.call('EXISTS', KEYS[5]) == 1
if not known then
  local gate = redis.call('PTTL', KEYS[4])
  if gate > 0 then return {0, math.ceil(gate / 1000), 0} end
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], window) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], window) end
if wide and redis.call('INCR', KEYS[7]) == 1 then redis.call('EXPIRE', KEYS[7], window) end
if not known then
  local attempts = redis.call('INCR', KEYS[3])
  if attempts == 1 then redis.call('EXPIRE', KEYS[3], window) end
  local free = tonumber(ARGV[4])
  if attempts > free then
    local index = math.min(attempts - free, #ARGV - 8)
    redis.call('SET', KEYS[4], '1', 'PX', math.floor(tonumber(ARGV[8 + index]) * 1000))
  end
end
return {1, 0, 0}`;

/**
 * Sign-in throttling in Redis, shared by every API instance: limits per (account, client address) and
 * per address (IPv6: /64, and /48 with a higher limit), and an exponential, capped backoff per account
 * instead of a lock-out, which does not apply to addresses the owner signed in from before, nor to a device
 * (a valid device cookie, see domain/login-device.ts) the owner signed in with before, so an attacker cannot
 * keep the owner of an account out by failing from somewhere else or from behind the owner's own NAT.
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

  /** `deviceId`: from a device cookie already verified for this account (undefined: none, or not valid). */
  async attempt(email: string, clientAddress: string, deviceId?: string): Promise<ThrottleVerdict> {
    const keys = this.keys(email, clientAddress, deviceId);
    const [allowed, retryAfter, onDevice] = (await this.redis.eval(
      ATTEMPT_SCRIPT,
      7,
      keys.pair,
      keys.address,
      keys.accountAttempts,
      keys.accountGate,
      keys.known,
      keys.device,
      keys.wide,
      this.limits.windowSeconds,
      this.limits.maxPerAccountAndAddress,
      this.limits.maxPerAddress,
      this.limits.freeAttempts,
      deviceId === undefined ? '0' : '1',
      this.limits.maxPerDevice,
      keys.hasWide ? '1' : '0',
      this.limits.maxPerWideNetwork,
      ...this.delays,
    )) as [number, number, number];
    return allowed === 1 ? { allowed: true, countedOnDevice: onDevice === 1 } : { allowed: false, retryAfterSeconds: Math.max(retryAfter, 1) };
  }

  /**
   * A successful sign-in: the account, this pair and the device start afresh; the address keeps its other
   * attempts (the one just made is given back if it was counted there), and becomes a known address of
   * the account (exempt from its gate) for knownAddressSeconds.
   */
  async succeeded(email: string, clientAddress: string, deviceId: string | undefined, countedOnDevice: boolean): Promise<void> {
    const keys = this.keys(email, clientAddress, deviceId);
    const steps = this.redis.multi().del(keys.pair, keys.accountAttempts, keys.accountGate);
    if (deviceId !== undefined) steps.del(keys.device);
    if (!countedOnDevice) {
      steps.decr(keys.address);
      if (keys.hasWide) steps.decr(keys.wide);
    }
    await steps.set(keys.known, '1', 'EX', this.limits.knownAddressSeconds).exec();
  }

  private keys(email: string, clientAddress: string, deviceId: string | undefined) {
    // Hashed: no email addresses in Redis key names (they show up in monitoring and key scans).
    const account = loginAccountKey(email);
    const base = `${this.prefix}:login`;
    // IPv6 by /64: one subscriber can use any address of their /64, each would otherwise count afresh;
    // and by /48 too (one site's or customer's allocation), with a higher limit.
    const address = throttleAddressGroup(clientAddress);
    const wide = throttleWideAddressGroup(clientAddress);
    return {
      pair: `${base}:pair:${account}:${address}`,
      address: `${base}:address:${address}`,
      accountAttempts: `${base}:account:${account}:attempts`,
      accountGate: `${base}:account:${account}:gate`,
      known: `${base}:account:${account}:known:${address}`,
      // Unused (never read or written) when there is no device or no wider network.
      device: `${base}:account:${account}:device:${deviceId ?? '-'}`,
      wide: `${base}:network:${wide ?? '-'}`,
      hasWide: wide !== undefined,
    };
  }
}
