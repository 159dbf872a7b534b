import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ManagerRelationEnded, type Principal } from '#libs/contracts/users/index.js';
import { invalid } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { UserAccess } from '../../user-access.js';

export type ManagerKind = 'manager' | 'coach';

export class AssignManagerCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly managerId: string,
    readonly manageeId: string,
    readonly kind: ManagerKind | null,
  ) {
    super();
  }
}

/**
 * Sets (kind given) or removes (kind null) the manager/coach relation between two users the caller may
 * manage: a relation widens the manager's scope, so neither side may hold more than the caller.
 */
@CommandHandler(AssignManagerCommand)
export class AssignManagerHandler implements ICommandHandler<AssignManagerCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, managerId, manageeId, kind }: AssignManagerCommand) {
    if (managerId === manageeId) throw invalid('USERS.CANNOT_MANAGE_SELF');
    await this.access.assertCanManageUser(principal, managerId);
    await this.access.assertCanManageUser(principal, manageeId);
    await this.em.transactional(async (em) => {
      // The relation as it is, locked: a concurrent change waits, so each ending is told exactly once.
      const [current] = await em.execute<{ kind: ManagerKind }[]>(
        `select kind from manager_relations where manager_id = ? and managee_id = ? for update`,
        [managerId, manageeId],
      );
      if (kind === null) {
        if (!current) return;
        await em.execute(`delete from manager_relations where manager_id = ? and managee_id = ?`, [managerId, manageeId]);
        recordEvent(em, new ManagerRelationEnded({ managerId, manageeId, kind: current.kind }));
        return;
      }
      if (current?.kind === kind) return;
      await em.execute(
        `insert into manager_relations (manager_id, managee_id, kind) values (?, ?, ?)
         on conflict (manager_id, managee_id) do update set kind = excluded.kind`,
        [managerId, manageeId, kind],
      );
      // A manager who becomes a coach (or the reverse) ended the relation of the old kind: whoever relied
      // on it (a review task assigned to the manager as manager) looks again; the new kind is a new relation.
      if (current) recordEvent(em, new ManagerRelationEnded({ managerId, manageeId, kind: current.kind }));
    });
  }
}
