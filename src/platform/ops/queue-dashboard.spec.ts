import { describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config/app-config.js';
import { mayScrape } from './metrics-access.js';
import { signDashboardSession, verifyDashboardSession } from './queue-dashboard.js';
import type { IncomingMessage } from 'node:http';

const SECRET = 'a-secret-that-is-long-enough-for-hmac-0123456789';

describe('queue dashboard session cookie', () => {
  const expires = Math.floor(Date.now() / 1000) + 60;

  const session = { userId: 'user-1', credential: { tokenVersion: 3 } };

  it('accepts its own signature until it expires, with the credential it was opened with', () => {
    const value = signDashboardSession(SECRET, session, expires);
    expect(verifyDashboardSession(SECRET, value)).toEqual(session);
    expect(verifyDashboardSession(SECRET, value, (expires + 1) * 1000)).toBeUndefined();
    const withApiToken = { userId: 'user-1', credential: { tokenVersion: 0, apiTokenId: 'token-1' } };
    expect(verifyDashboardSession(SECRET, signDashboardSession(SECRET, withApiToken, expires))).toEqual(withApiToken);
    const withAccessToken = { userId: 'user-1', credential: { tokenVersion: 2, accessTokenId: '5b4f1f2e-8c1d-4d1a-9f3e-2a7b6c5d4e3f' } };
    expect(verifyDashboardSession(SECRET, signDashboardSession(SECRET, withAccessToken, expires))).toEqual(withAccessToken);
  });

  it('refuses another secret, a changed user, token version, API token, access token or expiry, and garbage', () => {
    const value = signDashboardSession(SECRET, session, expires);
    const [, , , , , signature] = value.split('.');
    expect(verifyDashboardSession(`${SECRET}-other`, value)).toBeUndefined();
    expect(verifyDashboardSession(SECRET, `user-2.3...${expires}.${signature}`)).toBeUndefined();
    expect(verifyDashboardSession(SECRET, `user-1.4...${expires}.${signature}`)).toBeUndefined();
    expect(verifyDashboardSession(SECRET, `user-1.3.token-1..${expires}.${signature}`)).toBeUndefined();
    expect(verifyDashboardSession(SECRET, `user-1.3..5b4f1f2e-8c1d-4d1a-9f3e-2a7b6c5d4e3f.${expires}.${signature}`)).toBeUndefined();
    expect(verifyDashboardSession(SECRET, `user-1.3...${expires + 3600}.${signature}`)).toBeUndefined();
    // The cookies of before (user.expiry.signature; user.version.apiToken.expiry.signature) are no longer accepted.
    const [user, version, apiToken, , expiry, mac] = value.split('.');
    for (const bad of [undefined, '', 'x', 'a.b', 'a.b.c', 'a.b.c.d', `${user}.${version}.${apiToken}.${expiry}.${mac}`, `user-1.3...${expires}.`]) {
      expect(verifyDashboardSession(SECRET, bad)).toBeUndefined();
    }
  });
});

describe('metrics access', () => {
  const request = (remoteAddress: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
  const withToken = loadConfig({ DATABASE_URL: 'postgres://x@h/db', REDIS_URL: 'redis://h:6379', SMTP_URL: 'smtp://h:25', AUTH_TOKEN_SECRET: SECRET, METRICS_TOKEN: 'scrape-token-0123456789' }, '/tmp');
  // Only a local installation may go without a token (production refuses to start without one, see below).
  const withoutToken = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', SMTP_URL: 'smtp://h:25', AUTH_TOKEN_SECRET: SECRET }, '/tmp');

  it('with METRICS_TOKEN: exactly that bearer token, from anywhere', () => {
    expect(mayScrape(request('203.0.113.9', { authorization: 'Bearer scrape-token-0123456789' }), withToken)).toBe(true);
    expect(mayScrape(request('127.0.0.1'), withToken)).toBe(false);
    expect(mayScrape(request('127.0.0.1', { authorization: 'Bearer scrape-token-012345678' }), withToken)).toBe(false);
    expect(mayScrape(request('127.0.0.1', { authorization: 'Basic scrape-token-0123456789' }), withToken)).toBe(false);
  });

  it('in production the API does not start without it: a reverse proxy on the same host (nginx proxy_pass to 127.0.0.1, no X-Forwarded-For) would make loopback-only scraping public', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@h/db', REDIS_URL: 'redis://h:6379', SMTP_URL: 'smtp://h:25', AUTH_TOKEN_SECRET: SECRET };
    expect(() => loadConfig(production, '/tmp')).toThrow(/METRICS_TOKEN must be set/);
    expect(() => loadConfig({ ...production, ROLE: 'api' }, '/tmp')).toThrow(/METRICS_TOKEN must be set/);
    // the proxied request that looks local: refused only when nobody configured a token
    expect(mayScrape(request('127.0.0.1'), loadConfig({ ...production, METRICS_TOKEN: 'scrape-token-0123456789' }, '/tmp'))).toBe(false);
  });

  it('without it (local installations only): only direct loopback requests', () => {
    expect(mayScrape(request('127.0.0.1'), withoutToken)).toBe(true);
    expect(mayScrape(request('::1'), withoutToken)).toBe(true);
    expect(mayScrape(request('10.0.0.4'), withoutToken)).toBe(false);
    expect(mayScrape(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), withoutToken)).toBe(false);
    expect(mayScrape(request('127.0.0.1', { forwarded: 'for=203.0.113.9' }), withoutToken)).toBe(false);
  });

  it('refuses a METRICS_TOKEN too short to be a secret', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@h/db', SMTP_URL: 'smtp://h:25', AUTH_TOKEN_SECRET: SECRET, METRICS_TOKEN: 'short' }, '/tmp')).toThrow(/METRICS_TOKEN/);
  });
});
