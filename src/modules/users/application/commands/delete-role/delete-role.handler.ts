import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '#libs/errors/domain-error.js';
import { UserRolesChanged, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { Role } from '../../../domain/role.js';
import { UserAccess } from '../../user-access.js';

export class DeleteRoleCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly id: string,
  ) {
    super();
  }
}

@CommandHandler(DeleteRoleCommand)
export class DeleteRoleHandler implements ICommandHandler<DeleteRoleCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  /** Deleting a role takes it from everyone holding it: only for callers who may manage each of them. */
  async execute({ principal, id }: DeleteRoleCommand) {
    const role = await this.em.findOne(Role, { id });
    if (!role) throw notFound('USERS.ROLE_NOT_FOUND');
    role.assertEditable();
    await this.access.assertCanChangeRole(principal, role.id);
    await this.em.transactional(async (em) => {
      // The role row locked: nobody is given it between the read below and the delete (an insert into
      // user_roles takes a key-share lock on it). Everyone who loses it by the cascade is told.
      await em.execute(`select id from roles where id = ? for update`, [role.id]);
      const holders = await em.execute<{ user_id: string }[]>(`select user_id from user_roles where role_id = ? order by user_id`, [role.id]);
      em.remove(role);
      for (const holder of holders) recordEvent(em, new UserRolesChanged({ userId: holder.user_id }));
    });
  }
}
