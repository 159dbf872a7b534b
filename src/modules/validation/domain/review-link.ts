import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * A review link in a reviewer's mail: bound to one external certificate (the task) and one reviewer.
 * The token is 32 random bytes; only its SHA-256 is stored, so a database reader cannot use a link.
 * It acts once (the POST of its page), until it expires, and only while the task is pending and the
 * bound reviewer is still the task's reviewer or fallback reviewer.
 */
export interface ReviewLinkRecord {
  id: string;
  tokenHash: string;
  externalCertificateId: string;
  reviewerId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  endedAt: Date | null;
}

/** What of the task decides whether a link still works. */
export interface ReviewTaskState {
  state: string;
  reviewerId: string | null;
  fallbackReviewerId: string | null;
}

/**
 * Why a link works or not, in the words the page uses:
 * - used: it decided the task already (its own POST);
 * - expired: its time ran out;
 * - decided: the task was validated or rejected (through another link or the API);
 * - reassigned: the task is no longer this reviewer's (nor their fallback's), or was not at some point
 *   since the link was issued (the hand-over ended the link: it stays dead if the task comes back).
 * A newer link for the same task and reviewer (a reminder) leaves the older ones working.
 */
export type ReviewLinkStatus = 'open' | 'used' | 'expired' | 'decided' | 'reassigned';

export const REVIEW_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const ReviewLinks = {
  issue(externalCertificateId: string, reviewerId: string, lifetimeHours: number, now = new Date()): { link: ReviewLinkRecord; token: string } {
    const token = randomBytes(32).toString('base64url');
    return {
      token,
      link: {
        id: randomUUID(),
        tokenHash: ReviewLinks.hash(token),
        externalCertificateId,
        reviewerId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + lifetimeHours * 3_600_000),
        usedAt: null,
        endedAt: null,
      },
    };
  },

  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  },

  /** Whether a string could be a token we issued (43 base64url characters); anything else is not looked up. */
  isWellFormedToken(token: unknown): token is string {
    return typeof token === 'string' && REVIEW_TOKEN_PATTERN.test(token);
  },

  /** Whether a reviewer may still act on a task (pending, and theirs or their fallback's). */
  mayReview(task: ReviewTaskState, reviewerId: string): boolean {
    return task.state === 'pending_review' && (task.reviewerId === reviewerId || task.fallbackReviewerId === reviewerId);
  },

  /** The link's status now; the order matters: what the reviewer did comes before what others did. */
  status(link: Pick<ReviewLinkRecord, 'reviewerId' | 'expiresAt' | 'usedAt' | 'endedAt'>, task: ReviewTaskState, now = new Date()): ReviewLinkStatus {
    if (link.usedAt !== null) return 'used';
    if (task.state !== 'pending_review') return 'decided';
    if (!ReviewLinks.mayReview(task, link.reviewerId) || link.endedAt !== null) return 'reassigned';
    if (link.expiresAt.getTime() <= now.getTime()) return 'expired';
    return 'open';
  },
};

/**
 * CSRF protection of the review page (double submit, signed): the GET page sets a random value in a
 * cookie (HttpOnly, SameSite=Strict) and puts HMAC(secret, link id + value) in a hidden field. The POST
 * needs both, matching: another site can neither read the cookie nor compute the field without the secret,
 * and the field of one link does not work for another.
 */
export const ReviewCsrf = {
  newCookieValue(): string {
    return randomBytes(32).toString('base64url');
  },

  isWellFormedCookieValue(value: unknown): value is string {
    return typeof value === 'string' && REVIEW_TOKEN_PATTERN.test(value);
  },

  fieldFor(secret: string, linkId: string, cookieValue: string): string {
    return createHmac('sha256', secret).update(`review-csrf:${linkId}:${cookieValue}`, 'utf8').digest('base64url');
  },

  verify(secret: string, linkId: string, cookieValue: string | undefined, field: string | undefined): boolean {
    if (!ReviewCsrf.isWellFormedCookieValue(cookieValue) || typeof field !== 'string' || field.length === 0) return false;
    const expected = Buffer.from(ReviewCsrf.fieldFor(secret, linkId, cookieValue), 'utf8');
    const given = Buffer.from(field, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  },
};
