import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Sign-in throttling that cannot be turned against the account's owner: limits per (account, client
 * address), an exponential backoff per account instead of a lock-out. The app trusts one proxy hop
 * (TRUST_PROXY=1, a hop count: it used to be read as an address), so X-Forwarded-For names the client.
 */
describe('login throttling (HTTP, real Redis, behind one proxy hop)', () => {
  let app: TestApp;
  let http: Http;
  const from = (address: string) => http.withHeaders({ 'x-forwarded-for': address });
  const login = (address: string, email: string, password: string) => from(address).post('/api/auth/login', { email, password });

  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: '1', LOGIN_MAX_FAILURES: '5', LOGIN_BACKOFF_BASE_SECONDS: '1', LOGIN_BACKOFF_MAX_SECONDS: '4' } });
    http = new Http(app.url);
  });
  afterAll(() => app?.close());

  it('throttles the attacker\'s address with 429 + Retry-After, while the victim signs in from another address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login('203.0.113.10', 'lena@example.com', `wrong-guess-${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    const blocked = await login('203.0.113.10', 'lena@example.com', 'demo-password-1');
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('USERS.LOGIN_THROTTLED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);

    const victim = await login('198.51.100.20', 'lena@example.com', 'demo-password-1');
    expect(victim.status).toBe(200);
    expect(victim.body.accessToken).toBeTruthy();
    // The attacker's address stays throttled for that account.
    expect((await login('203.0.113.10', 'lena@example.com', 'demo-password-1')).status).toBe(429);
  });

  it('slows guesses from many addresses down with a growing, capped delay instead of locking the account', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`192.0.2.${i + 1}`, 'liam@example.com', 'wrong-password')).status).toBe(401);
    // Beyond the free attempts: one attempt, then the account's gate closes for the backoff period.
    expect((await login('192.0.2.50', 'liam@example.com', 'wrong-password')).status).toBe(401);
    const gated = await login('192.0.2.51', 'liam@example.com', 'wrong-password');
    expect(gated.status).toBe(429);
    expect(Number(gated.headers.get('retry-after'))).toBeLessThanOrEqual(1);
    // The owner is slowed down too, but only for seconds: after the delay the right password works.
    const owner = await login('198.51.100.21', 'liam@example.com', 'demo-password-1');
    expect(owner.status).toBe(429);
    const wait = Number(owner.headers.get('retry-after'));
    expect(wait).toBeLessThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    expect((await login('198.51.100.21', 'liam@example.com', 'demo-password-1')).status).toBe(200);
  });

  it('doubles the delay up to the cap', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) await login(`192.0.2.${100 + i}`, 'lucy@example.com', 'wrong-password');
    for (let n = 0; n < 4; n++) {
      expect((await login(`192.0.2.${110 + n}`, 'lucy@example.com', 'wrong-password')).status).toBe(401);
      const gated = await login(`192.0.2.${120 + n}`, 'lucy@example.com', 'wrong-password');
      expect(gated.status).toBe(429);
      delays.push(Number(gated.headers.get('retry-after')));
      await new Promise((resolve) => setTimeout(resolve, delays[n] * 1000 + 50));
    }
    expect(delays).toEqual([1, 2, 4, 4]);
  }, 30_000);

  it('counts per address over all accounts too (credential stuffing)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) statuses.push((await login('203.0.113.99', `nobody-${i}@example.com`, 'wrong-password')).status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(50);
    expect(statuses.slice(50)).toEqual([429, 429]);
  });

  it('never holds the owner at the account\'s backoff when they sign in from an address they used before', async () => {
    // The owner signed in from this address before: it becomes a known address of the account.
    expect((await login('198.51.100.40', 'lars@example.com', 'demo-password-1')).status).toBe(200);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let round = 0; round < 3; round++) {
      // The attacker spreads guesses over a few IPv6 networks and closes the gate right before the owner comes.
      for (let i = 0; i < 6; i++) {
        const guess = await login(`2001:db8:${round + 1}:${i % 3}::1`, 'lars@example.com', `wrong-${round}-${i}`);
        if (guess.status === 429) {
          await sleep(Number(guess.headers.get('retry-after')) * 1000 + 50);
          i--;
          continue;
        }
        expect(guess.status).toBe(401);
      }
      // An unknown address still waits at the gate...
      const stranger = await login('198.51.100.41', 'lars@example.com', 'demo-password-1');
      expect(stranger.status).toBe(429);
      expect(Number(stranger.headers.get('retry-after'))).toBeLessThanOrEqual(4);
      // ...the owner at their known address does not.
      const owner = await login('198.51.100.40', 'lars@example.com', 'demo-password-1');
      expect(owner.status).toBe(200);
    }
  }, 30_000);

  it('does not count waiting at the account\'s gate against the address\'s own limit', async () => {
    for (let i = 0; i < 6; i++) expect((await login(`192.0.2.${200 + i}`, 'lotte@example.com', 'wrong-password')).status).toBe(401);
    // The owner, from an address never used before, is held at the gate six times in a row (within the 1 s delay).
    let wait = 0;
    for (let i = 0; i < 6; i++) {
      const held = await login('198.51.100.60', 'lotte@example.com', 'demo-password-1');
      expect(held.status).toBe(429);
      wait = Number(held.headers.get('retry-after'));
      expect(wait).toBeLessThanOrEqual(1);
    }
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    // Those refusals did not use up the owner's (account, address) attempts: they are let in, not locked out for the window.
    expect((await login('198.51.100.60', 'lotte@example.com', 'demo-password-1')).status).toBe(200);
  });

  it('counts IPv6 addresses by /64, so rotating through one network gets no fresh attempts', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) statuses.push((await login(`2001:db8:ff:1::${i}`, 'leo@example.com', 'wrong-password')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const sixth = await login('2001:db8:ff:1:abcd::7', 'leo@example.com', 'demo-password-1');
    expect(sixth.status).toBe(429);
    // The pair's window (15 min), not the account's seconds-long backoff.
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(60);
  });
});
