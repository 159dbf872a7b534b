import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The sign-in device cookie (OWASP "device cookie"): a browser that signed in to an account before
 * presents a signed cookie bound to that account and is throttled on its own budget, so an attacker who
 * keeps the account's backoff gate shut from elsewhere AND exhausts the owner's shared (NAT) address cannot
 * keep the owner out. Behind one proxy hop: X-Forwarded-For names the client.
 */
describe('login device cookie (HTTP, real Redis, behind one proxy hop)', () => {
  let app: TestApp;
  let http: Http;
  const login = (address: string, email: string, password: string, cookie?: string) =>
    http.withHeaders({ 'x-forwarded-for': address, ...(cookie ? { cookie } : {}) }).post('/api/auth/login', { email, password });
  const deviceCookieOf = (setCookie: string | null) => {
    expect(setCookie).toBeTruthy();
    return setCookie!.split(';')[0]!;
  };
  /** Six failures from fresh addresses: five free ones, the sixth closes the account's gate for 30 s. */
  const closeGate = async (email: string, subnet: number) => {
    for (let i = 1; i <= 6; i++) expect((await login(`192.0.${subnet}.${i}`, email, `wrong-${i}`)).status).toBe(401);
    expect((await login(`192.0.${subnet}.99`, email, 'wrong')).status).toBe(429);
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: '1', LOGIN_MAX_FAILURES: '5', LOGIN_BACKOFF_BASE_SECONDS: '30', LOGIN_BACKOFF_MAX_SECONDS: '60' } });
    http = new Http(app.url);
  });
  afterAll(() => app?.close());

  it('lets the owner in with the device cookie of an earlier sign-in while the gate is kept shut and their shared address is exhausted', async () => {
    const first = await login('198.51.100.70', 'lena@example.com', 'demo-password-1');
    expect(first.status).toBe(200);
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^cit_login_device=[^;]+; Path=\/api\/auth; Max-Age=15552000; HttpOnly; SameSite=Strict$/);
    const cookie = deviceCookieOf(setCookie);

    // An attacker behind the same office NAT exhausts the owner's (account, address) pair...
    for (let i = 0; i < 5; i++) expect((await login('198.51.100.70', 'lena@example.com', `nat-${i}`)).status).toBe(401);
    expect((await login('198.51.100.70', 'lena@example.com', 'nat-x')).status).toBe(429);
    // ...and keeps the account's gate shut from elsewhere.
    await closeGate('lena@example.com', 2);
    // Without the cookie the owner is held: at the office by the pair, on a new network by the gate.
    expect((await login('198.51.100.70', 'lena@example.com', 'demo-password-1')).status).toBe(429);
    expect((await login('203.0.113.77', 'lena@example.com', 'demo-password-1')).status).toBe(429);

    // With it, at the office:
    const office = await login('198.51.100.70', 'lena@example.com', 'demo-password-1', cookie);
    expect(office.status).toBe(200);
    expect(office.body.accessToken).toBeTruthy();
    expect(office.headers.get('set-cookie')).toBeNull(); // the valid cookie is kept, not replaced

    // The attacker shuts the gate again; the owner with the cookie comes in from a network never used before.
    await closeGate('lena@example.com', 3);
    expect((await login('203.0.113.78', 'lena@example.com', 'demo-password-1')).status).toBe(429);
    expect((await login('203.0.113.77', 'lena@example.com', 'demo-password-1', cookie)).status).toBe(200);
  }, 30_000);

  it('does not let a forged cookie or another account\'s cookie past the gate', async () => {
    const own = deviceCookieOf((await login('198.51.100.81', 'liam@example.com', 'demo-password-1')).headers.get('set-cookie'));
    const other = deviceCookieOf((await login('198.51.100.80', 'lucy@example.com', 'demo-password-1')).headers.get('set-cookie'));
    await closeGate('liam@example.com', 4);

    const [name, value] = own.split('=') as [string, string];
    const [deviceId, issuedAt, signature] = value.split('.') as [string, string, string];
    const forged = [
      `${name}=${deviceId}.${Number(issuedAt) - 1}.${signature}`,
      `${name}=${deviceId.slice(0, -1)}${deviceId.endsWith('A') ? 'B' : 'A'}.${issuedAt}.${signature}`,
      `${name}=${deviceId}.${issuedAt}.${'x'.repeat(signature.length)}`,
      `${name}=${deviceId}.${issuedAt}`,
      other, // a genuine cookie, but for lucy@
    ];
    for (const cookie of forged) {
      const held = await login('203.0.113.90', 'liam@example.com', 'demo-password-1', cookie);
      expect(held.status).toBe(429);
      expect(held.body.code).toBe('USERS.LOGIN_THROTTLED');
    }
    // The genuine one does get through the same shut gate.
    expect((await login('203.0.113.90', 'liam@example.com', 'demo-password-1', own)).status).toBe(200);
  });

  it('gives a device cookie its own failure budget, after which it is ignored until its window ends', async () => {
    const cookie = deviceCookieOf((await login('198.51.100.90', 'lotte@example.com', 'demo-password-1')).headers.get('set-cookie'));
    // The address's pair is exhausted without the cookie.
    for (let i = 0; i < 5; i++) expect((await login('198.51.100.91', 'lotte@example.com', `wrong-${i}`)).status).toBe(401);
    expect((await login('198.51.100.91', 'lotte@example.com', 'demo-password-1')).status).toBe(429);
    // With the cookie, ten attempts of its own (2 x LOGIN_MAX_FAILURES)...
    for (let i = 0; i < 10; i++) expect((await login('198.51.100.91', 'lotte@example.com', `stolen-${i}`, cookie)).status).toBe(401);
    // ...then the cookie counts for nothing: the exhausted pair holds even the right password.
    const after = await login('198.51.100.91', 'lotte@example.com', 'demo-password-1', cookie);
    expect(after.status).toBe(429);
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(60);
  });

  it('lets the owner change their password with the device cookie while the gate is kept shut', async () => {
    const signedIn = await login('198.51.100.100', 'lars@example.com', 'demo-password-1');
    expect(signedIn.status).toBe(200);
    const cookie = deviceCookieOf(signedIn.headers.get('set-cookie'));
    await closeGate('lars@example.com', 5);
    const change = (headers: Record<string, string>) =>
      http
        .as(signedIn.body.accessToken)
        .withHeaders({ 'x-forwarded-for': '203.0.113.100', ...headers })
        .post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'lars-new-password-1' });
    expect((await change({})).status).toBe(429);
    expect((await change({ cookie })).status).toBe(200);
  });

  it('counts IPv6 by /48 too, so rotating through the /64s of one /48 gets no fresh attempts', async () => {
    const statuses: number[] = [];
    // 10 attempts per /64 (well below its limit of 50), each on a different account, over 16 /64s of one /48.
    for (let i = 0; i < 160; i++) statuses.push((await login(`2001:db8:aa:${Math.floor(i / 10)}::${(i % 10) + 1}`, `rotate-${i}@example.com`, 'wrong')).status);
    expect(statuses.slice(0, 150).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(150).every((status) => status === 429)).toBe(true);
    const refused = await login('2001:db8:aa:ffff::1', 'rotate-x@example.com', 'wrong');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    // Another /48 is not affected.
    expect((await login('2001:db8:ab:1::1', 'rotate-x@example.com', 'wrong')).status).toBe(401);
  }, 120_000);
});
