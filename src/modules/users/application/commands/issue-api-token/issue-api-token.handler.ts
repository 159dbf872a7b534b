import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, forbidden } from '#libs/errors/domain-error.js';
import { ApiToken } from '../../../domain/api-token.js';

export class IssueApiTokenCommand extends Command<{ id: string; token: string; expiresAt: Date }> {
  constructor(
    readonly principal: Principal,
    readonly name: string,
    readonly expiresInDays: number | null,
  ) {
    super();
  }
}

/**
 * Personal API tokens act as their owner, with the owner's permissions and scope at the time of use.
 * They are created only from a signed-in session (an access token from a sign-in, never another API
 * token: a leaked token must not mint successors that outlive its revocation), and they always expire.
 */
@CommandHandler(IssueApiTokenCommand)
export class IssueApiTokenHandler implements ICommandHandler<IssueApiTokenCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async execute({ principal, name, expiresInDays }: IssueApiTokenCommand) {
    if (principal.authenticatedWith !== 'access-token') throw forbidden('USERS.SIGNED_IN_SESSION_REQUIRED');
    const expiresAt = ApiToken.expiryFor(expiresInDays, { defaultDays: this.config.apiTokenDefaultTtlDays, maxDays: this.config.apiTokenMaxTtlDays });
    const { token, secret } = ApiToken.issue(principal.userId, name, expiresAt);
    await this.em.transactional(async (em) => {
      // Inserted only while the account's token version is still the one the caller signed in with, under
      // a share lock on the account's row. A password change takes that row for update before it revokes
      // tokens, so either it committed first (the version moved on: refused) or it waits for this insert to
      // commit and then revokes this token with the others. Without the lock a token issued at the same
      // moment could be inserted after the revocation and outlive the password change.
      const rows = await em.execute<{ token_version: number }[]>(
        `select token_version from users where id = ? and status = 'active' for share`,
        [principal.userId],
      );
      if (principal.credential === undefined || rows[0]?.token_version !== principal.credential.tokenVersion) {
        throw new DomainError('USERS.TOKEN_INVALID', 'unauthenticated');
      }
      em.persist(token);
      await em.flush();
    });
    return { id: token.id, token: secret, expiresAt };
  }
}
