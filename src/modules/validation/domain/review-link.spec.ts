import { describe, expect, it } from 'vitest';
import { ReviewCsrf, ReviewLinks } from './review-link.js';

const pending = { state: 'pending_review', reviewerId: 'r1', fallbackReviewerId: 'f1' };

describe('review links', () => {
  it('issue a 43-character token whose SHA-256 alone is kept, expiring after the lifetime', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const { link, token } = ReviewLinks.issue('c1', 'r1', 168, now);
    expect(ReviewLinks.isWellFormedToken(token)).toBe(true);
    expect(link.tokenHash).toBe(ReviewLinks.hash(token));
    expect(link.tokenHash).not.toContain(token);
    expect(link.expiresAt.toISOString()).toBe('2026-12-07T12:00:00.000Z');
    expect(ReviewLinks.issue('c1', 'r1', 168, now).token).not.toBe(token);
  });

  it('refuse malformed tokens before any lookup', () => {
    for (const token of ['', 'short', 'x'.repeat(44), `${'a'.repeat(42)}!`, 42, undefined]) expect(ReviewLinks.isWellFormedToken(token)).toBe(false);
  });

  it('are open only while unused, unexpired, not ended by a hand-over, and the task is pending and still this reviewer’s or fallback’s', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const link = { reviewerId: 'r1', expiresAt: new Date('2026-12-01T00:00:00Z'), usedAt: null, endedAt: null };
    expect(ReviewLinks.status(link, pending, now)).toBe('open');
    expect(ReviewLinks.status({ ...link, reviewerId: 'f1' }, pending, now)).toBe('open');
    expect(ReviewLinks.status({ ...link, usedAt: now }, { ...pending, state: 'validated' }, now)).toBe('used');
    expect(ReviewLinks.status(link, { ...pending, state: 'rejected' }, now)).toBe('decided');
    expect(ReviewLinks.status(link, { ...pending, reviewerId: 'r2' }, now)).toBe('reassigned');
    expect(ReviewLinks.status({ ...link, endedAt: now }, pending, now)).toBe('reassigned');
    expect(ReviewLinks.status({ ...link, expiresAt: now }, pending, now)).toBe('expired');
  });
});

describe('the review page CSRF check', () => {
  const secret = 'a-secret-that-is-long-enough-0123456789';
  it('accepts the field computed for this link and cookie only', () => {
    const cookie = ReviewCsrf.newCookieValue();
    const field = ReviewCsrf.fieldFor(secret, 'link-1', cookie);
    expect(ReviewCsrf.verify(secret, 'link-1', cookie, field)).toBe(true);
    expect(ReviewCsrf.verify(secret, 'link-2', cookie, field)).toBe(false);
    expect(ReviewCsrf.verify(secret, 'link-1', ReviewCsrf.newCookieValue(), field)).toBe(false);
    expect(ReviewCsrf.verify('another-secret-that-is-long-enough-012345', 'link-1', cookie, field)).toBe(false);
    expect(ReviewCsrf.verify(secret, 'link-1', undefined, field)).toBe(false);
    expect(ReviewCsrf.verify(secret, 'link-1', cookie, undefined)).toBe(false);
    expect(ReviewCsrf.verify(secret, 'link-1', cookie, '')).toBe(false);
    expect(ReviewCsrf.verify(secret, 'link-1', 'not a cookie value', field)).toBe(false);
  });
});
