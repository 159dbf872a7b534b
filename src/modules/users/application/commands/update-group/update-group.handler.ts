import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden } from '#libs/errors/domain-error.js';
import { Group } from '../../../domain/group.js';
import { UserAccess } from '../../user-access.js';

export class UpdateGroupCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
    readonly changes: { name?: string; parentId?: string | null },
  ) {
    super();
  }
}

@CommandHandler(UpdateGroupCommand)
export class UpdateGroupHandler implements ICommandHandler<UpdateGroupCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, groupId, changes }: UpdateGroupCommand) {
    await this.access.assertGroupVisible(principal, groupId);
    const group = await this.em.findOneOrFail(Group, { id: groupId });
    if (changes.name !== undefined) group.rename(changes.name);
    if (changes.parentId !== undefined && changes.parentId !== group.parentId) {
      // Moving changes the scope of the admins above the group: the caller must reach them (not a rename).
      await this.access.assertCanRestructureGroup(principal, groupId);
      let ancestors: string[] = [];
      if (changes.parentId === null) {
        // Top level is no group the caller administers: only scope.all puts a group there.
        if (!this.access.seesEveryone(principal)) throw forbidden('USERS.GROUP_BEYOND_REACH');
      } else {
        await this.access.assertGroupVisible(principal, changes.parentId);
        const rows = await this.em.execute<{ id: string }[]>(
          `with recursive up(id, parent_id) as (
             select id, parent_id from groups where id = ?
             union select g.id, g.parent_id from groups g join up on g.id = up.parent_id)
           select id from up`,
          [changes.parentId],
        );
        ancestors = rows.map((row) => row.id);
      }
      group.moveTo(changes.parentId, ancestors);
    }
    await this.em.flush();
  }
}
