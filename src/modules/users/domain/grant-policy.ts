import { forbidden } from '#libs/errors/domain-error.js';

/**
 * Who may hand out which permissions, and who may act on whom. Pure: the caller's permissions and
 * the permissions at stake come in, a DomainError comes out.
 *
 * - Granting (assigning roles to a user, or creating or editing a role's permissions) is limited to a
 *   subset of the caller's own permissions, `scope.all` included. A caller therefore can never raise
 *   themselves: whatever they give their own account or their own role, they already have.
 * - Managing a user (roles, details, deletion) needs that user in the caller's scope (checked by the
 *   caller of this rule, with SQL) and the user holding no permission the caller lacks: a group admin
 *   cannot take over a platform admin who happens to be in their group.
 * - It also needs the user's own reach inside the caller's: every group the user administers is one the
 *   caller administers (or a subgroup of one), and every user they manage or coach is one the caller may
 *   see. Equal permissions are not enough: the admin of G1 must not remove, re-role or move the admin of
 *   G2 who merely is a member of G1, and so change G2 without seeing it. Callers with scope.all see
 *   everything, so for them this part always holds (computed by the caller of this rule, with SQL).
 * - Editing or deleting a role changes every user holding it, so it needs each of them to be manageable.
 * - Moving a group (a new parent) or deleting it changes the scope of everyone who administers a group
 *   above it: it needs the caller to administer a proper ancestor of the group (administering the group
 *   itself is not enough: its parent's admins would lose it), and every admin of the group inside the
 *   caller's reach. Renaming needs neither. Callers with scope.all hold both (computed with SQL).
 */
export class GrantPolicy {
  private readonly own: ReadonlySet<string>;

  constructor(callerPermissions: readonly string[]) {
    this.own = new Set(callerPermissions);
  }

  /** The first of `permissions` the caller does not hold, or undefined. */
  missing(permissions: Iterable<string>): string | undefined {
    for (const permission of permissions) if (!this.own.has(permission)) return permission;
    return undefined;
  }

  /** Assigning roles that carry `permissions`, or giving a role `permissions`. */
  assertMayGrant(permissions: Iterable<string>): void {
    const beyond = this.missing(permissions);
    if (beyond !== undefined) throw forbidden('USERS.GRANT_BEYOND_OWN_PERMISSIONS', { permission: beyond });
  }

  /** Acting on a user (in scope) who holds `targetPermissions`. */
  assertMayManage(targetPermissions: Iterable<string>): void {
    const beyond = this.missing(targetPermissions);
    if (beyond !== undefined) throw forbidden('USERS.USER_MORE_PRIVILEGED', { permission: beyond });
  }

  /** Acting on a user whose administered groups and managees are (`within`) or are not inside the caller's scope. */
  assertTargetReachWithinOwn(within: boolean): void {
    if (!within) throw forbidden('USERS.USER_WIDER_SCOPE');
  }

  /** Moving or deleting a group: its parent is administered by the caller and its admins are within reach. */
  assertMayRestructureGroup(group: { parentAdministered: boolean; adminsWithinReach: boolean }): void {
    if (!group.parentAdministered || !group.adminsWithinReach) throw forbidden('USERS.GROUP_BEYOND_REACH');
  }

  /**
   * Changing a role held by users: each must be in scope (`inScope`), reach no further than the caller
   * (`reachWithin`) and hold nothing the caller lacks.
   */
  assertMayChangeRoleHeldBy(holders: { inScope: boolean; reachWithin: boolean; permissions: readonly string[] }[]): void {
    const blocked = holders.filter((holder) => !holder.inScope || !holder.reachWithin || this.missing(holder.permissions) !== undefined);
    if (blocked.length > 0) throw forbidden('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS', { count: blocked.length });
  }
}
