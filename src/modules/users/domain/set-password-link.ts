import { createHash, randomBytes, randomUUID } from 'node:crypto';

export type SetPasswordLinkPurpose = 'welcome' | 'reset';

export interface SetPasswordLinkLifetimes {
  welcomeHours: number;
  resetMinutes: number;
}

/**
 * A one-time link to set a password, mailed to the user (welcome or reset). The token is 32 random bytes;
 * only its SHA-256 is stored, so a database reader cannot use a link. It works once, until it expires, and
 * only while it has not been ended (by a newer link of its purpose, or by setting the password through any link).
 */
export class SetPasswordLink {
  id: string;
  userId: string;
  purpose: SetPasswordLinkPurpose;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  endedAt: Date | null;

  static issue(
    userId: string,
    purpose: SetPasswordLinkPurpose,
    lifetimes: SetPasswordLinkLifetimes,
    now = new Date(),
  ): { link: SetPasswordLink; token: string } {
    const token = randomBytes(32).toString('base64url');
    const link = new SetPasswordLink();
    link.id = randomUUID();
    link.userId = userId;
    link.purpose = purpose;
    link.tokenHash = SetPasswordLink.hash(token);
    link.createdAt = now;
    link.expiresAt = SetPasswordLink.expiryFor(purpose, lifetimes, now);
    link.usedAt = null;
    link.endedAt = null;
    return { link, token };
  }

  /** A welcome link waits days for a new user; a reset link lives minutes (whoever asked is at the screen). */
  static expiryFor(purpose: SetPasswordLinkPurpose, lifetimes: SetPasswordLinkLifetimes, now = new Date()): Date {
    const lifetimeMs = purpose === 'welcome' ? lifetimes.welcomeHours * 3_600_000 : lifetimes.resetMinutes * 60_000;
    return new Date(now.getTime() + lifetimeMs);
  }

  static hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  /** Whether a string could be a token we issued (43 base64url characters); anything else is not looked up. */
  static isWellFormedToken(token: unknown): token is string {
    return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
  }

  isOpen(now = new Date()): boolean {
    return this.usedAt === null && this.endedAt === null && this.expiresAt > now;
  }

  use(now = new Date()): void {
    if (!this.isOpen(now)) throw new Error('A password link that is not open cannot be used');
    this.usedAt = now;
  }
}
