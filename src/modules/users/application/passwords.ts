import type { EntityManager } from '@mikro-orm/postgresql';
import { PasswordChanged } from '#libs/contracts/users/index.js';
import { invalid } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { MIN_PASSWORD_LENGTH, type User } from '../domain/user.js';

export function assertPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid('USERS.PASSWORD_TOO_SHORT', { min: MIN_PASSWORD_LENGTH });
}

/**
 * What follows a password change, in its transaction (after User.changePassword, which ends the sessions):
 * the user's personal API tokens are revoked too, and PasswordChanged tells the user.
 */
export async function revokeTokensAndAnnouncePasswordChange(em: EntityManager, user: User): Promise<void> {
  const revoked = await em.execute<{ id: string }[]>(`update api_tokens set revoked_at = now() where user_id = ? and revoked_at is null returning id`, [user.id]);
  recordEvent(
    em,
    new PasswordChanged({
      userId: user.id,
      email: user.email,
      firstName: user.firstName,
      language: user.language,
      changedAt: user.updatedAt.toISOString(),
      apiTokensRevoked: revoked.length,
    }),
  );
}
