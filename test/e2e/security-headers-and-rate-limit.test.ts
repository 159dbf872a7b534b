import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Security headers (helmet, a CSP that fits Swagger UI) and the general per-principal rate limit, in Redis. */
describe('security headers and rate limit', () => {
  let app: TestApp;
  let http: Http;

  beforeAll(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_MAX: '8', RATE_LIMIT_WINDOW_SECONDS: '30' } });
    http = new Http(app.url);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sends security headers with a CSP that allows what Swagger UI loads and no inline script', async () => {
    const page = await fetch(`${app.url}/api/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toContain("'unsafe-inline'");
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toContain('upgrade-insecure-requests'); // plain-http installation
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('strict-transport-security')).toBeNull();
    expect(page.headers.get('x-powered-by')).toBeNull();

    // Every script the page loads is same-origin (script-src 'self'), and there is no inline script to block.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      const src = /src="([^"]+)"/.exec(attributes)?.[1];
      expect(src, `inline script in Swagger UI: ${body.slice(0, 80)}`).toBeDefined();
      const url = new URL(src!, `${app.url}/api/docs/`);
      expect(url.origin).toBe(new URL(app.url).origin);
      const asset = await fetch(url);
      expect(asset.status, url.pathname).toBe(200);
    }
    for (const [, href] of html.matchAll(/<link[^>]+href="([^"]+)"/g)) {
      const url = new URL(href, `${app.url}/api/docs/`);
      expect(url.origin).toBe(new URL(app.url).origin);
    }

    const api = await http.get('/api/import-types');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('refuses an HTML form body on the API (what a cross-site form can post without a preflight): JSON only', async () => {
    const form = (path: string) =>
      fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=admin%40example.com&password=demo-password-1' });
    const login = await form('/api/auth/login');
    expect(login.status).toBe(415);
    expect(login.headers.get('content-type')).toContain('application/problem+json');
    expect(await login.json()).toMatchObject({ code: 'COMMON.FORM_BODY_NOT_ACCEPTED', status: 415 });
    expect((await form('/api/auth/password-reset')).status).toBe(415);
    // The same credentials as JSON sign in.
    const json = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password-1' }) });
    expect(json.status).toBe(200);
  });

  it('limits requests per principal, answering 429 problem+json with Retry-After', async () => {
    const admin = await http.login('admin@example.com');
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 12; i++) {
      const response = await admin.get('/api/auth/me');
      statuses.push(response.status);
      if (response.status === 429) {
        limited = response;
        break;
      }
    }
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(limited!.body).toMatchObject({ status: 429, code: 'COMMON.TOO_MANY_REQUESTS', params: { retryAfterSeconds: retryAfter } });

    // Another user from the same address has a budget of their own: the limit is per principal.
    const learner = await http.login('lena@example.com');
    expect((await learner.get('/api/auth/me')).status).toBe(200);

    // Health probes are exempt.
    for (let i = 0; i < 10; i++) expect((await http.get('/health/live')).status).toBe(200);

    // The count lives in Redis under the installation's prefix, so every API process shares it.
    const redisKeys = await countKeys(app, `${app.config.queuePrefix}:ratelimit:*`);
    expect(redisKeys).toBeGreaterThan(0);
  });

  it('counts one principal across API processes (the count is in Redis, not in a process)', async () => {
    const second = await startTestApp({
      database: app.database,
      mailCatcher: app.mail,
      seed: false,
      env: { ROLE: 'api', QUEUE_PREFIX: app.config.queuePrefix, RATE_LIMIT_MAX: '8', RATE_LIMIT_WINDOW_SECONDS: '30' },
    });
    try {
      const first = await http.login('liam@example.com');
      const token = (first as unknown as { token: string }).token;
      const viaSecond = new Http(second.url, token);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await first.get('/api/auth/me')).status);
        statuses.push((await viaSecond.get('/api/auth/me')).status);
      }
      // 8 allowed in the window, whichever process answered; the 9th and 10th are refused
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    } finally {
      await second.stop();
    }
  });

  it('does not put the general limit on sign-in, which has its own', async () => {
    // Twelve sign-ins by different accounts from one address: over RATE_LIMIT_MAX (8), under the login limit.
    for (let i = 0; i < 10; i++) {
      const response = await http.post('/api/auth/login', { email: `nobody${i}@example.com`, password: 'wrong-password' });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });

  it('gives the count back when a request with a token is not refused (a valid API token costs nothing)', async () => {
    const owner = await http.login('lotte@example.com');
    const created = await owner.post<{ token: string }>('/api/auth/api-tokens', { name: 'rate limit test' });
    expect(created.status).toBe(201);
    const from = { 'x-forwarded-for': '203.0.113.7' };
    // Counted before processing, given back after the 200: these leave the address's budget untouched ...
    for (let i = 0; i < 6; i++) expect((await new Http(app.url, created.body.token).withHeaders(from).get('/api/auth/me')).status).toBe(200);
    // ... so the address still has all RATE_LIMIT_MAX (8) refusals before it is blocked.
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await new Http(app.url, `cit_${'w'.repeat(40)}${i}`).withHeaders(from).get('/api/auth/me')).status);
    expect(statuses).toEqual([...Array(8).fill(401), 429]);
  });

  it('counts a request with a token before processing it, so a concurrent burst of bad tokens is cut at the limit; IPv6 by /64', async () => {
    // TRUST_PROXY is loopback (the default) and the test connects from 127.0.0.1: X-Forwarded-For is the client.
    // Every request of the burst has another address of one /64: one subscriber's network, one counter.
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => new Http(app.url, `cit_${'y'.repeat(40)}${i}`).withHeaders({ 'x-forwarded-for': `2001:db8:1:2::${(i + 1).toString(16)}` }).get('/api/auth/me')),
    );
    const statuses = burst.map((r) => r.status).sort();
    // RATE_LIMIT_MAX (8) lookups, the rest refused before any lookup
    expect(statuses).toEqual([...Array(8).fill(401), ...Array(12).fill(429)]);
    // Another address of the same /64 is blocked too; another /64 is not.
    expect((await new Http(app.url, 'cit_zzz').withHeaders({ 'x-forwarded-for': '2001:db8:1:2:ffff::1' }).get('/api/auth/me')).status).toBe(429);
    expect((await new Http(app.url, 'cit_zzz').withHeaders({ 'x-forwarded-for': '2001:db8:1:3::1' }).get('/api/auth/me')).status).toBe(401);
  });

  // Last in this file: it blocks the test's own address (127.0.0.1) for the rest of the window.
  it('limits requests that authentication refuses per address, before any token is looked up', async () => {
    // A fresh window for this address: earlier tests' anonymous 401s (e.g. /api/import-types) were counted too.
    await deleteKeys(app, `${app.config.queuePrefix}:ratelimit:unauthenticated:ip:127.0.0.1:*`);
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 20; i++) {
      const token = i % 2 === 0 ? `cit_${'x'.repeat(40)}${i}` : `not-a-token-${i}`;
      const response = await new Http(app.url, token).get('/api/auth/me');
      statuses.push(response.status);
      if (response.status === 429) {
        limited = response;
        break;
      }
    }
    // RATE_LIMIT_MAX (8) refused authentications per window, then 429 instead of one more token lookup
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(401));
    expect(statuses.length).toBeLessThanOrEqual(11);
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(limited!.body).toMatchObject({ status: 429, code: 'COMMON.TOO_MANY_REQUESTS' });
    // Requests without any token are refused the same way while the address is blocked; health stays exempt.
    expect((await http.get('/api/auth/me')).status).toBe(429);
    expect((await http.get('/health/live')).status).toBe(200);

    // A signed-in user behind the blocked address (a NAT, a load balancer TRUST_PROXY does not trust) is still
    // served: an access token whose signature and expiry hold passes without a lookup. A tampered one does not.
    const learner = await http.login('lena@example.com');
    expect((await learner.get('/api/auth/me')).status).toBe(200);
    const token = (learner as unknown as { token: string }).token;
    expect((await new Http(app.url, `${token.slice(0, -2)}xx`).get('/api/auth/me')).status).toBe(429);
    // Sign-in stays exempt however the path is written (the router takes a trailing slash and any case).
    expect((await http.post('/api/auth/login/', { email: 'lena@example.com', password: 'demo-password-1' })).status).toBe(200);
    expect((await http.post('/API/Auth/Login', { email: 'lena@example.com', password: 'demo-password-1' })).status).toBe(200);
    expect(await countKeys(app, `${app.config.queuePrefix}:ratelimit:unauthenticated:ip:*`)).toBeGreaterThan(0);
  });
});

async function countKeys(app: TestApp, pattern: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(app.config.redisUrl!);
  try {
    return (await redis.keys(pattern)).length;
  } finally {
    redis.disconnect();
  }
}

async function deleteKeys(app: TestApp, pattern: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(app.config.redisUrl!);
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
