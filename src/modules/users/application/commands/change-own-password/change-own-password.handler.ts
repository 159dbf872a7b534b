import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, forbidden, notFound } from '#libs/errors/domain-error.js';
import { hashPassword } from '../../../domain/password-hasher.js';
import { User } from '../../../domain/user.js';
import { AuthenticationService } from '../../authentication.service.js';
import { assertPasswordStrength, revokeTokensAndAnnouncePasswordChange } from '../../passwords.js';

export class ChangeOwnPasswordCommand extends Command<{ accessToken: string; expiresAt: Date }> {
  constructor(
    readonly principal: Principal,
    readonly currentPassword: string,
    readonly newPassword: string,
    readonly clientAddress: string,
    /** The sign-in device cookie the browser sent, if any: the check is throttled like a sign-in with it. */
    readonly deviceCookie?: string,
  ) {
    super();
  }
}

/**
 * A user changes their own password, proving it with the current one (counted like a sign-in, so a
 * stolen session cannot guess it). Everything signed in before ends: the token version moves on and
 * every API token of theirs is revoked (a thief who changed nothing keeps nothing). The user is told
 * by mail (PasswordChanged, through the outbox). The caller gets a fresh access token.
 */
@CommandHandler(ChangeOwnPasswordCommand)
export class ChangeOwnPasswordHandler implements ICommandHandler<ChangeOwnPasswordCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly authentication: AuthenticationService,
  ) {}

  async execute({ principal, currentPassword, newPassword, clientAddress, deviceCookie }: ChangeOwnPasswordCommand) {
    if (principal.authenticatedWith !== 'access-token') throw forbidden('USERS.SIGNED_IN_SESSION_REQUIRED');
    assertPasswordStrength(newPassword);
    const confirmed = await this.authentication.checkPassword(principal.email, currentPassword, clientAddress, deviceCookie);
    if (!confirmed) throw new DomainError('USERS.CURRENT_PASSWORD_WRONG', 'forbidden');
    const user = await this.em.findOne(User, { id: principal.userId, status: 'active' });
    if (!user) throw notFound('USERS.USER_NOT_FOUND');
    user.changePassword(await hashPassword(newPassword));
    await this.em.transactional(async (em) => {
      // The account's row first, for update: an API token being issued holds it for share until it is
      // committed, so the revocation below sees it; one issued later finds the new token version and is refused.
      await em.execute(`select 1 from users where id = ? for update`, [user.id]);
      await revokeTokensAndAnnouncePasswordChange(em, user);
      await em.flush();
    });
    return this.authentication.issueAccessToken(user.id, user.tokenVersion);
  }
}
