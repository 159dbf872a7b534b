import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { GroupAdminRemoved, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { UserAccess } from '../../user-access.js';

export type MembershipKind = 'member' | 'admin';

export class ChangeGroupMembershipCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
    readonly userId: string,
    readonly kind: MembershipKind,
    readonly present: boolean,
  ) {
    super();
  }
}

/**
 * Adds or removes a member or a group admin. Idempotent: adding twice or removing a non-member is fine.
 * The user must be one the caller may manage (in scope, nothing beyond the caller's permissions).
 */
@CommandHandler(ChangeGroupMembershipCommand)
export class ChangeGroupMembershipHandler implements ICommandHandler<ChangeGroupMembershipCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, groupId, userId, kind, present }: ChangeGroupMembershipCommand) {
    await this.access.assertCanManageGroup(principal, groupId);
    await this.access.assertCanManageUser(principal, userId);
    const table = kind === 'admin' ? 'group_admins' : 'group_members';
    if (present) {
      await this.em.execute(`insert into ${table} (group_id, user_id) values (?, ?) on conflict do nothing`, [groupId, userId]);
      return;
    }
    await this.em.transactional(async (em) => {
      const removed = await em.execute<{ user_id: string }[]>(`delete from ${table} where group_id = ? and user_id = ? returning user_id`, [groupId, userId]);
      // Removing someone who was no admin changes nothing and says nothing.
      if (kind === 'admin' && removed.length > 0) recordEvent(em, new GroupAdminRemoved({ groupId, userId }));
    });
  }
}
