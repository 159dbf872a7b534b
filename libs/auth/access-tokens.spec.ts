import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.js';

describe('AccessTokens', () => {
  const tokens = new AccessTokens('x'.repeat(40), 60);

  it('round-trips the user id and token version, with an id of its own per token', () => {
    const { token } = tokens.issue('user-1', 3);
    const claims = tokens.verify(token);
    expect(claims).toEqual({ userId: 'user-1', tokenVersion: 3, accessTokenId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(tokens.verify(tokens.issue('user-1', 3).token)?.accessTokenId).not.toBe(claims?.accessTokenId);
  });

  it('rejects a validly signed token without an id of its own (nothing could sign it out)', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'user-1', ver: 0, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const signature = createHmac('sha256', 'x'.repeat(40)).update(`${header}.${payload}`).digest('base64url');
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toBeUndefined();
  });

  it('rejects a validly signed token without a version (issued before versions existed)', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const signature = createHmac('sha256', 'x'.repeat(40)).update(`${header}.${payload}`).digest('base64url');
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toBeUndefined();
  });

  it('rejects expired, tampered and foreign tokens', () => {
    const { token } = tokens.issue('user-1', 0, Date.now() - 61_000);
    expect(tokens.verify(token)).toBeUndefined();
    const fresh = tokens.issue('user-1', 0).token;
    const [h, , s] = fresh.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', ver: 0, exp: 9e9 })).toString('base64url');
    expect(tokens.verify(`${h}.${forgedPayload}.${s}`)).toBeUndefined();
    expect(new AccessTokens('y'.repeat(40), 60).verify(fresh)).toBeUndefined();
    expect(tokens.verify('not-a-token')).toBeUndefined();
  });
});
