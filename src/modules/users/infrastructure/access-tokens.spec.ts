import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.js';

describe('AccessTokens', () => {
  const tokens = new AccessTokens('x'.repeat(40), 60);

  it('round-trips the user id', () => {
    const { token } = tokens.issue('user-1');
    expect(tokens.verify(token)).toBe('user-1');
  });

  it('rejects expired, tampered and foreign tokens', () => {
    const { token } = tokens.issue('user-1', Date.now() - 61_000);
    expect(tokens.verify(token)).toBeUndefined();
    const fresh = tokens.issue('user-1').token;
    const [h, , s] = fresh.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', exp: 9e9 })).toString('base64url');
    expect(tokens.verify(`${h}.${forgedPayload}.${s}`)).toBeUndefined();
    expect(new AccessTokens('y'.repeat(40), 60).verify(fresh)).toBeUndefined();
    expect(tokens.verify('not-a-token')).toBeUndefined();
  });
});
