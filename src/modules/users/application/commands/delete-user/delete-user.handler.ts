import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UserDeleted, type Principal } from '#libs/contracts/users/index.js';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { User } from '../../../domain/user.js';
import { UserAccess } from '../../user-access.js';

export class DeleteUserCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
  ) {
    super();
  }
}

@CommandHandler(DeleteUserCommand)
export class DeleteUserHandler implements ICommandHandler<DeleteUserCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, userId }: DeleteUserCommand) {
    if (principal.userId === userId) throw conflict('USERS.CANNOT_DELETE_SELF');
    await this.access.assertCanManageUser(principal, userId);
    const user = await this.em.findOne(User, { id: userId });
    if (!user) throw notFound('USERS.USER_NOT_FOUND');
    // Deleting a deleted user again changes nothing and says nothing: UserDeleted once per deletion.
    const wasActive = user.isActive();
    user.delete();
    await this.em.transactional(async (em) => {
      // What the user was given (review tasks, for one) goes to someone else: told in the same transaction.
      if (wasActive) recordEvent(em, new UserDeleted({ userId }));
      await em.flush();
      await em.execute(`update api_tokens set revoked_at = now() where user_id = ? and revoked_at is null`, [userId]);
    });
  }
}
