import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden } from '#libs/errors/domain-error.js';

export class SignOutCommand extends Command<void> {
  constructor(readonly principal: Principal) {
    super();
  }
}

/**
 * Ends the session of the access token the request came with, before it expires: the token, and what it
 * opened (a stream ticket, an open event stream), is refused from then on; other sessions of the same user
 * go on. Only a signed-in session signs out: an API token is revoked by its own endpoint instead.
 */
@CommandHandler(SignOutCommand)
export class SignOutHandler implements ICommandHandler<SignOutCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async execute({ principal }: SignOutCommand) {
    const accessTokenId = principal.authenticatedWith === 'access-token' ? principal.credential?.accessTokenId : undefined;
    if (!accessTokenId) throw forbidden('USERS.SIGNED_IN_SESSION_REQUIRED');
    await this.em.transactional(async (em) => {
      // Kept until the token would have expired by itself: no token lives longer than the lifetime from now.
      await em.execute(
        `insert into revoked_access_tokens (jti, user_id, expires_at) values (?, ?, now() + make_interval(secs => ?))
         on conflict (jti) do nothing`,
        [accessTokenId, principal.userId, this.config.accessTokenTtlSeconds],
      );
      // Whatever has expired since is of no use any more (a token that old is refused for its expiry).
      await em.execute(`delete from revoked_access_tokens where expires_at < now()`);
    });
  }
}
