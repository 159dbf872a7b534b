import { describe, expect, it } from 'vitest';
import { SetPasswordLink } from './set-password-link.js';

describe('SetPasswordLink', () => {
  const lifetimes = { welcomeHours: 168, resetMinutes: 60 };
  const now = new Date('2026-11-30T10:00:00Z');

  it('stores only the SHA-256 of a 32-byte random token', () => {
    const { link, token } = SetPasswordLink.issue('user-1', 'welcome', lifetimes, now);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(SetPasswordLink.isWellFormedToken(token)).toBe(true);
    expect(link.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(link.tokenHash).toBe(SetPasswordLink.hash(token));
    expect(link.tokenHash).not.toContain(token);
    expect(SetPasswordLink.issue('user-1', 'welcome', lifetimes, now).token).not.toBe(token);
  });

  it('lives for the welcome or the reset lifetime', () => {
    expect(SetPasswordLink.issue('u', 'welcome', lifetimes, now).link.expiresAt.toISOString()).toBe('2026-12-07T10:00:00.000Z');
    expect(SetPasswordLink.issue('u', 'reset', lifetimes, now).link.expiresAt.toISOString()).toBe('2026-11-30T11:00:00.000Z');
    expect(SetPasswordLink.expiryFor('reset', { welcomeHours: 1, resetMinutes: 5 }, now).toISOString()).toBe('2026-11-30T10:05:00.000Z');
  });

  it('is open until it expires, is used or is ended', () => {
    const { link } = SetPasswordLink.issue('u', 'reset', lifetimes, now);
    expect(link.isOpen(now)).toBe(true);
    expect(link.isOpen(new Date('2026-11-30T10:59:59.999Z'))).toBe(true);
    expect(link.isOpen(new Date('2026-11-30T11:00:00.000Z'))).toBe(false);
    const ended = SetPasswordLink.issue('u', 'reset', lifetimes, now).link;
    ended.endedAt = now;
    expect(ended.isOpen(now)).toBe(false);
    link.use(now);
    expect(link.usedAt).toEqual(now);
    expect(link.isOpen(now)).toBe(false);
  });

  it('cannot be used twice, nor once expired', () => {
    const { link } = SetPasswordLink.issue('u', 'reset', lifetimes, now);
    link.use(now);
    expect(() => link.use(now)).toThrow();
    const expired = SetPasswordLink.issue('u', 'reset', lifetimes, now).link;
    expect(() => expired.use(new Date('2026-11-30T12:00:00Z'))).toThrow();
  });

  it('looks up only strings shaped like its tokens', () => {
    for (const candidate of ['', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(42)}/`, undefined, 42, ['x']]) {
      expect(SetPasswordLink.isWellFormedToken(candidate)).toBe(false);
    }
    expect(SetPasswordLink.isWellFormedToken('A'.repeat(43))).toBe(true);
  });
});
