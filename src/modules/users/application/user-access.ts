import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { hasPermission, Permissions, type Principal, type UserScope } from '../../../../libs/contracts/users/index.js';
import { forbidden, notFound } from '../../../../libs/errors/domain-error.js';
import { ADMINISTERED_GROUP_IDS_SQL, SCOPED_USER_IDS_SQL } from '../infrastructure/access-scope.sql.js';

/**
 * Answers "may this principal see/act on that user or group?". Out-of-scope users are reported as
 * not found, exactly like users that do not exist, so scope never leaks existence.
 */
@Injectable()
export class UserAccess {
  constructor(private readonly em: EntityManager) {}

  seesEveryone(principal: Principal): boolean {
    return hasPermission(principal, Permissions.ScopeAll);
  }

  /** A SQL condition on a users id column, plus its parameters, restricting rows to the scope. */
  scopeCondition(principal: Principal, column = 'u.id'): { sql: string; params: unknown[] } {
    if (this.seesEveryone(principal)) return { sql: 'true', params: [] };
    return { sql: `${column} in (${SCOPED_USER_IDS_SQL})`, params: [principal.userId, principal.userId, principal.userId] };
  }

  async scopeOf(principal: Principal): Promise<UserScope> {
    if (this.seesEveryone(principal)) return { kind: 'all' };
    const rows = await this.em.execute<{ id: string }[]>(SCOPED_USER_IDS_SQL, [principal.userId, principal.userId, principal.userId]);
    return { kind: 'limited', userIds: rows.map((row) => row.id) };
  }

  async assertUserInScope(principal: Principal, userId: string): Promise<void> {
    if (this.seesEveryone(principal)) {
      const exists = await this.em.execute(`select 1 from users where id = ?`, [userId]);
      if (exists.length === 0) throw notFound('USERS.USER_NOT_FOUND');
      return;
    }
    const scope = this.scopeCondition(principal, 'u.id');
    const rows = await this.em.execute(`select 1 from users u where u.id = ? and ${scope.sql}`, [userId, ...scope.params]);
    if (rows.length === 0) throw notFound('USERS.USER_NOT_FOUND');
  }

  /**
   * Changing or deleting a user: in scope, and, for callers who do not see everyone, holding every
   * permission the target holds. A group admin cannot reset the password of a platform admin who
   * happens to be a member of their group.
   */
  async assertCanManageUser(principal: Principal, userId: string): Promise<void> {
    await this.assertUserInScope(principal, userId);
    if (this.seesEveryone(principal)) return;
    const rows = await this.em.execute<{ permission: string }[]>(
      `select distinct p.permission from user_roles ur join roles r on r.id = ur.role_id, unnest(r.permissions) as p(permission)
        where ur.user_id = ?`,
      [userId],
    );
    const beyond = rows.map((row) => row.permission).find((permission) => !principal.permissions.includes(permission));
    if (beyond) throw forbidden('COMMON.FORBIDDEN', { permission: beyond });
  }

  async administeredGroupIds(principal: Principal): Promise<string[] | 'all'> {
    if (this.seesEveryone(principal)) return 'all';
    const rows = await this.em.execute<{ id: string }[]>(ADMINISTERED_GROUP_IDS_SQL, [principal.userId]);
    return rows.map((row) => row.id);
  }

  /** Groups: visible when administered (or everything for platform admins); otherwise 404. */
  async assertGroupVisible(principal: Principal, groupId: string): Promise<void> {
    const exists = await this.em.execute(`select 1 from groups where id = ?`, [groupId]);
    const administered = await this.administeredGroupIds(principal);
    if (exists.length === 0 || (administered !== 'all' && !administered.includes(groupId))) {
      throw notFound('USERS.GROUP_NOT_FOUND');
    }
  }

  /** Changing a group's members or admins: groups.manage, or being an admin of that group (or an ancestor). */
  async assertCanManageGroup(principal: Principal, groupId: string): Promise<void> {
    await this.assertGroupVisible(principal, groupId);
    if (hasPermission(principal, Permissions.GroupsManage) || hasPermission(principal, Permissions.UsersManage)) return;
    throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.GroupsManage });
  }
}
