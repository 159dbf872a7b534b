import { describe, expect, it } from 'vitest';
import { ApiToken } from './api-token.js';

describe('ApiToken.expiryFor', () => {
  const limits = { defaultDays: 90, maxDays: 365 };
  const now = new Date('2026-11-30T00:00:00Z');

  it('gives every token an expiry: the default when none is asked for', () => {
    expect(ApiToken.expiryFor(null, limits, now).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(ApiToken.expiryFor(7, limits, now).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(ApiToken.expiryFor(365, limits, now).toISOString()).toBe('2027-11-30T00:00:00.000Z');
  });

  it('refuses lifetimes beyond the maximum, or below a day', () => {
    for (const days of [366, 3650, 0, -1, 1.5]) {
      expect(() => ApiToken.expiryFor(days, limits, now)).toThrow(expect.objectContaining({ code: 'USERS.API_TOKEN_LIFETIME_TOO_LONG', params: { maxDays: 365 } }));
    }
  });

  it('is refused by isUsable once expired or revoked', () => {
    const { token } = ApiToken.issue('user-1', 'x', ApiToken.expiryFor(1, limits, now));
    expect(token.isUsable(now)).toBe(true);
    expect(token.isUsable(new Date(now.getTime() + 86_400_000))).toBe(false);
    token.revoke();
    expect(token.isUsable(now)).toBe(false);
  });
});
