import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { invalid, notFound } from '#libs/errors/domain-error.js';
import type { Language } from '#libs/i18n/i18n.js';
import { hashPassword } from '../../../domain/password-hasher.js';
import { SetPasswordLink } from '../../../domain/set-password-link.js';
import { User } from '../../../domain/user.js';
import { assertPasswordStrength, revokeTokensAndAnnouncePasswordChange } from '../../passwords.js';

/** The same bound the API's password fields have (ChangePasswordDto). */
export const MAX_PASSWORD_LENGTH = 1024;

export class SetPasswordWithLinkCommand extends Command<{ language: Language }> {
  constructor(
    readonly token: string,
    readonly password: string,
    readonly confirmation: string,
  ) {
    super();
  }
}

/** One code for an unknown, used, ended or expired link: the page must not tell them apart. */
export const deadLink = () => notFound('USERS.PASSWORD_LINK_DEAD');

/**
 * Sets a password through a one-time link. In one transaction, with the account's row and then the link's
 * row locked (the order IssuePasswordLink and a password change use too): the link is checked again
 * under the lock and marked used, every other open link of the user ends, the password hash and token
 * version change (every session ends), the user's API tokens are revoked, and PasswordChanged is recorded.
 * Of two requests with the same link exactly one succeeds; the other finds the link used.
 */
@CommandHandler(SetPasswordWithLinkCommand)
export class SetPasswordWithLinkHandler implements ICommandHandler<SetPasswordWithLinkCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ token, password, confirmation }: SetPasswordWithLinkCommand) {
    if (!SetPasswordLink.isWellFormedToken(token)) throw deadLink();
    const tokenHash = SetPasswordLink.hash(token);
    // A cheap look before the costly password hash, so a dead link costs no hashing.
    const seen = await this.em.fork().findOne(SetPasswordLink, { tokenHash });
    if (!seen?.isOpen()) throw deadLink();
    if (password !== confirmation) throw invalid('USERS.PASSWORD_CONFIRMATION_MISMATCH');
    assertPasswordStrength(password);
    if (password.length > MAX_PASSWORD_LENGTH) throw invalid('USERS.PASSWORD_TOO_LONG', { max: MAX_PASSWORD_LENGTH });
    const passwordHash = await hashPassword(password);

    return this.em.transactional(async (em) => {
      const user = await em.findOne(User, { id: seen.userId, status: 'active' }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const link = await em.findOne(SetPasswordLink, { id: seen.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const now = new Date();
      if (!user || !link?.isOpen(now)) throw deadLink();
      link.use(now);
      await em.execute(`update password_links set ended_at = ? where user_id = ? and id <> ? and used_at is null and ended_at is null`, [
        now,
        user.id,
        link.id,
      ]);
      user.changePassword(passwordHash);
      // The link was mailed to the current address (a change of address ends open links): it is the user's.
      user.verifyEmail(now);
      await revokeTokensAndAnnouncePasswordChange(em, user);
      await em.flush();
      return { language: user.language };
    });
  }
}
