import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { GroupAdminRemoved, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { conflict } from '#libs/errors/domain-error.js';
import { Group } from '../../../domain/group.js';
import { UserAccess } from '../../user-access.js';

export class DeleteGroupCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
  ) {
    super();
  }
}

/** Deletes a group and its memberships; refuses while it has subgroups (no silent cascade of a tree). */
@CommandHandler(DeleteGroupCommand)
export class DeleteGroupHandler implements ICommandHandler<DeleteGroupCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, groupId }: DeleteGroupCommand) {
    await this.access.assertGroupVisible(principal, groupId);
    // Deleting drops the group out of its ancestors' admins' scope: the caller must reach them.
    await this.access.assertCanRestructureGroup(principal, groupId);
    const [children] = await this.em.execute<{ count: string }[]>(`select count(*) as count from groups where parent_id = ?`, [groupId]);
    if (Number(children.count) > 0) throw conflict('USERS.GROUP_HAS_CHILDREN', { count: Number(children.count) });
    await this.em.transactional(async (em) => {
      // The group row locked: no admin is added between the read below and the delete (an insert into
      // group_admins takes a key-share lock on it). Each admin the delete cascades away is told.
      await em.execute(`select id from groups where id = ? for update`, [groupId]);
      const admins = await em.execute<{ user_id: string }[]>(`select user_id from group_admins where group_id = ? order by user_id`, [groupId]);
      const group = await em.findOneOrFail(Group, { id: groupId });
      em.remove(group);
      for (const admin of admins) recordEvent(em, new GroupAdminRemoved({ groupId, userId: admin.user_id }));
    });
  }
}
