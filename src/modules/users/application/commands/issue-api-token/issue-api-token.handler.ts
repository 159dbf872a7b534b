import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '../../../../../../libs/contracts/users/index.js';
import { ApiToken } from '../../../domain/api-token.js';

export class IssueApiTokenCommand extends Command<{ id: string; token: string; expiresAt: Date | null }> {
  constructor(
    readonly principal: Principal,
    readonly name: string,
    readonly expiresInDays: number | null,
  ) {
    super();
  }
}

/** Personal API tokens act as their owner, with the owner's permissions and scope at the time of use. */
@CommandHandler(IssueApiTokenCommand)
export class IssueApiTokenHandler implements ICommandHandler<IssueApiTokenCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ principal, name, expiresInDays }: IssueApiTokenCommand) {
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const { token, secret } = ApiToken.issue(principal.userId, name, expiresAt);
    await this.em.persist(token).flush();
    return { id: token.id, token: secret, expiresAt };
  }
}
