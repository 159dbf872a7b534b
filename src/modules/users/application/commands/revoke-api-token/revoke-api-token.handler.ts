import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { ApiToken } from '../../../domain/api-token.js';

export class RevokeApiTokenCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly tokenId: string,
  ) {
    super();
  }
}

@CommandHandler(RevokeApiTokenCommand)
export class RevokeApiTokenHandler implements ICommandHandler<RevokeApiTokenCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ principal, tokenId }: RevokeApiTokenCommand) {
    const token = await this.em.findOne(ApiToken, { id: tokenId, userId: principal.userId });
    if (!token) throw notFound('USERS.API_TOKEN_NOT_FOUND');
    token.revoke();
    await this.em.flush();
  }
}
