import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UserRolesChanged, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { invalid } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import { UserAccess } from '../../user-access.js';

export class SetUserRolesCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
    readonly roleKeys: string[],
  ) {
    super();
  }
}

/**
 * Replaces the roles of a user. Needs roles.manage (checked by the endpoint), a user the caller may
 * manage (in scope, holding nothing beyond the caller), and roles that carry only permissions the
 * caller holds: nobody hands out more than they have, to others or to themselves.
 */
@CommandHandler(SetUserRolesCommand)
export class SetUserRolesHandler implements ICommandHandler<SetUserRolesCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, userId, roleKeys }: SetUserRolesCommand) {
    await this.access.assertCanManageUser(principal, userId);
    const keys = [...new Set(roleKeys)];
    const roles = await this.em.execute<{ id: string; key: string; permissions: string[] }[]>(
      `select id, key, permissions from roles where key = any(?::text[])`,
      [pgArray(keys)],
    );
    const unknown = keys.filter((key) => !roles.some((role) => role.key === key));
    if (unknown.length > 0) throw invalid('USERS.ROLE_NOT_FOUND', { key: unknown.join(', ') });
    new GrantPolicy(principal.permissions).assertMayGrant(roles.flatMap((role) => role.permissions));
    await this.em.transactional(async (em) => {
      const removed = await em.execute<{ role_id: string }[]>(`delete from user_roles where user_id = ? returning role_id`, [userId]);
      for (const role of roles) await em.execute(`insert into user_roles (user_id, role_id) values (?, ?)`, [userId, role.id]);
      // Only a real change is announced (what the user may do, review for one, may have changed).
      const before = new Set(removed.map((row) => row.role_id));
      const changed = before.size !== roles.length || roles.some((role) => !before.has(role.id));
      if (changed) recordEvent(em, new UserRolesChanged({ userId }));
    });
  }
}
