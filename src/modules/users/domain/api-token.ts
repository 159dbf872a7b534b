import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { invalid } from '#libs/errors/domain-error.js';

export const API_TOKEN_PREFIX = 'cit_';

/** A personal API token for integrations. Only its SHA-256 is stored; the secret is shown once. */
export class ApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  displayPrefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;

  static issue(userId: string, name: string, expiresAt: Date | null): { token: ApiToken; secret: string } {
    const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token = new ApiToken();
    token.id = randomUUID();
    token.userId = userId;
    token.name = name.trim() || 'API token';
    token.tokenHash = ApiToken.hash(secret);
    token.displayPrefix = secret.slice(0, API_TOKEN_PREFIX.length + 6);
    token.createdAt = new Date();
    token.expiresAt = expiresAt;
    token.lastUsedAt = null;
    token.revokedAt = null;
    return { token, secret };
  }

  /**
   * When a new token expires: the default lifetime when none is asked for, never beyond the maximum.
   * Every token expires; a leaked one stops working on its own.
   */
  static expiryFor(requestedDays: number | null, limits: { defaultDays: number; maxDays: number }, now = new Date()): Date {
    const days = requestedDays ?? limits.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > limits.maxDays) {
      throw invalid('USERS.API_TOKEN_LIFETIME_TOO_LONG', { maxDays: limits.maxDays });
    }
    return new Date(now.getTime() + days * 86_400_000);
  }

  static hash(secret: string): string {
    return createHash('sha256').update(secret).digest('hex');
  }

  isUsable(now = new Date()): boolean {
    return this.revokedAt === null && (this.expiresAt === null || this.expiresAt > now);
  }

  revoke(): void {
    this.revokedAt ??= new Date();
  }
}
