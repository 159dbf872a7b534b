import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../../../../../libs/config/app-config.js';
import type { Principal } from '../../../../../../libs/contracts/users/index.js';
import { forbidden } from '../../../../../../libs/errors/domain-error.js';
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
    await this.em.persist(token).flush();
    return { id: token.id, token: secret, expiresAt };
  }
}
