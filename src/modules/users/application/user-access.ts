import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { hasPermission, Permissions, type Principal, type UserScope } from '#libs/contracts/users/index.js';
import { forbidden, notFound } from '#libs/errors/domain-error.js';
import { GrantPolicy } from '../domain/grant-policy.js';
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
   * Changing, deleting or assigning roles to a user: in scope, and holding no permission the caller
   * lacks (GrantPolicy). This holds for callers with scope.all too: seeing everyone is not the same as
   * holding everything. A group admin cannot reset or re-role a platform admin who is in their group.
   */
  async assertCanManageUser(principal: Principal, userId: string): Promise<void> {
    await this.assertUserInScope(principal, userId);
    const policy = new GrantPolicy(principal.permissions);
    policy.assertMayManage(await this.permissionsOfUser(userId));
    const reach = this.reachWithinCondition(principal, 'u.id');
    const rows = await this.em.execute<{ within: boolean }[]>(`select (${reach.sql}) as within from users u where u.id = ?`, [...reach.params, userId]);
    policy.assertTargetReachWithinOwn(rows[0]?.within === true);
  }

  /**
   * A SQL condition on a users id column: that user's reach lies inside the principal's. Every group
   * they administer directly is administered by the principal or lies below one the principal administers
   * (the principal's administered set is closed under subgroups, so the user's subgroups follow), and every
   * user they manage or coach is in the principal's scope. Always true with scope.all.
   */
  reachWithinCondition(principal: Principal, column: string): { sql: string; params: unknown[] } {
    if (this.seesEveryone(principal)) return { sql: 'true', params: [] };
    return {
      sql: `(not exists (select 1 from group_admins ga_r where ga_r.user_id = ${column}
                           and ga_r.group_id not in (${ADMINISTERED_GROUP_IDS_SQL}))
             and not exists (select 1 from manager_relations mr_r where mr_r.manager_id = ${column}
                           and mr_r.managee_id not in (${SCOPED_USER_IDS_SQL})))`,
      params: [principal.userId, principal.userId, principal.userId, principal.userId],
    };
  }

  async permissionsOfUser(userId: string): Promise<string[]> {
    const rows = await this.em.execute<{ permission: string }[]>(
      `select distinct p.permission from user_roles ur join roles r on r.id = ur.role_id, unnest(r.permissions) as p(permission)
        where ur.user_id = ?`,
      [userId],
    );
    return rows.map((row) => row.permission);
  }

  /**
   * Changing or deleting a role changes everyone who holds it: refused unless the caller may manage
   * each holder (in scope, reach inside the caller's, nothing beyond the caller's own permissions).
   * Every holder counts, whatever their status: a deleted (or, later, suspended or invited) user keeps
   * the role and gets its new permissions back when reactivated.
   */
  async assertCanChangeRole(principal: Principal, roleId: string): Promise<void> {
    const scope = this.scopeCondition(principal, 'u.id');
    const reach = this.reachWithinCondition(principal, 'u.id');
    const holders = await this.em.execute<{ in_scope: boolean; reach_within: boolean; permissions: string[] | null }[]>(
      `select (${scope.sql}) as in_scope, (${reach.sql}) as reach_within,
              (select array_agg(distinct p.permission) from user_roles ur2 join roles r2 on r2.id = ur2.role_id,
                      unnest(r2.permissions) as p(permission) where ur2.user_id = u.id) as permissions
         from users u join user_roles ur on ur.user_id = u.id
        where ur.role_id = ?`,
      [...scope.params, ...reach.params, roleId],
    );
    new GrantPolicy(principal.permissions).assertMayChangeRoleHeldBy(
      holders.map((holder) => ({ inScope: holder.in_scope, reachWithin: holder.reach_within, permissions: holder.permissions ?? [] })),
    );
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

  /**
   * Moving (a new parent) or deleting a visible group (GrantPolicy): the caller administers the group's
   * current parent (so a proper ancestor: the administered set is closed under subgroups; a top-level
   * group has none, so only scope.all moves or deletes it) and every admin of the group is within the
   * caller's reach. Otherwise a subgroup's admin could detach it from, or delete it under, a wider admin.
   */
  async assertCanRestructureGroup(principal: Principal, groupId: string): Promise<void> {
    if (this.seesEveryone(principal)) return;
    const reach = this.reachWithinCondition(principal, 'ga.user_id');
    const rows = await this.em.execute<{ parent_administered: boolean; admins_within: boolean }[]>(
      `select (g.parent_id is not null and g.parent_id in (${ADMINISTERED_GROUP_IDS_SQL})) as parent_administered,
              not exists (select 1 from group_admins ga where ga.group_id = g.id and not (${reach.sql})) as admins_within
         from groups g where g.id = ?`,
      [principal.userId, ...reach.params, groupId],
    );
    new GrantPolicy(principal.permissions).assertMayRestructureGroup({
      parentAdministered: rows[0]?.parent_administered === true,
      adminsWithinReach: rows[0]?.admins_within === true,
    });
  }

  /** Changing a group's members or admins: groups.manage, or being an admin of that group (or an ancestor). */
  async assertCanManageGroup(principal: Principal, groupId: string): Promise<void> {
    await this.assertGroupVisible(principal, groupId);
    if (hasPermission(principal, Permissions.GroupsManage) || hasPermission(principal, Permissions.UsersManage)) return;
    throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.GroupsManage });
  }
}
