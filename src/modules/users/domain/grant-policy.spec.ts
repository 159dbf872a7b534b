import { describe, expect, it } from 'vitest';
import { SYSTEM_ROLES } from './role.js';
import { GrantPolicy } from './grant-policy.js';

const rolesManager = ['roles.manage', 'users.manage', 'users.read'];

describe('GrantPolicy', () => {
  it('lets a caller grant only permissions they hold themselves', () => {
    const policy = new GrantPolicy(rolesManager);
    expect(() => policy.assertMayGrant(['users.read', 'users.manage'])).not.toThrow();
    expect(() => policy.assertMayGrant([])).not.toThrow();
    expect(() => policy.assertMayGrant(SYSTEM_ROLES.platformAdmin.permissions)).toThrow(
      expect.objectContaining({ code: 'USERS.GRANT_BEYOND_OWN_PERMISSIONS', kind: 'forbidden' }),
    );
  });

  it('treats scope.all as a permission like any other: only who holds it may grant it', () => {
    expect(() => new GrantPolicy(rolesManager).assertMayGrant(['scope.all'])).toThrow(
      expect.objectContaining({ code: 'USERS.GRANT_BEYOND_OWN_PERMISSIONS', params: { permission: 'scope.all' } }),
    );
    expect(() => new GrantPolicy(SYSTEM_ROLES.platformAdmin.permissions).assertMayGrant(['scope.all'])).not.toThrow();
  });

  it('so a caller cannot raise their own account or their own role', () => {
    const policy = new GrantPolicy(rolesManager);
    // Adding one permission to the role the caller holds: the new set is not a subset of what they hold.
    expect(() => policy.assertMayGrant([...rolesManager, 'groups.manage'])).toThrow(expect.objectContaining({ params: { permission: 'groups.manage' } }));
    // Keeping or shrinking what they have is fine.
    expect(() => policy.assertMayGrant(['users.read'])).not.toThrow();
  });

  it('manages users who hold nothing beyond the caller', () => {
    const groupAdmin = new GrantPolicy(SYSTEM_ROLES.groupAdmin.permissions);
    expect(() => groupAdmin.assertMayManage(SYSTEM_ROLES.learner.permissions)).not.toThrow();
    expect(() => groupAdmin.assertMayManage(SYSTEM_ROLES.groupAdmin.permissions)).not.toThrow();
    expect(() => groupAdmin.assertMayManage(SYSTEM_ROLES.platformAdmin.permissions)).toThrow(
      expect.objectContaining({ code: 'USERS.USER_MORE_PRIVILEGED', kind: 'forbidden' }),
    );
  });

  it('changes a role only when every holder is in scope and manageable', () => {
    const policy = new GrantPolicy(rolesManager);
    expect(() => policy.assertMayChangeRoleHeldBy([])).not.toThrow();
    expect(() => policy.assertMayChangeRoleHeldBy([{ inScope: true, reachWithin: true, permissions: ['users.read'] }])).not.toThrow();
    expect(() => policy.assertMayChangeRoleHeldBy([{ inScope: false, reachWithin: true, permissions: [] }])).toThrow(
      expect.objectContaining({ code: 'USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS', params: { count: 1 } }),
    );
    expect(() =>
      policy.assertMayChangeRoleHeldBy([
        { inScope: true, reachWithin: true, permissions: ['users.read'] },
        { inScope: true, reachWithin: true, permissions: ['scope.all'] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS' }));
    expect(() => policy.assertMayChangeRoleHeldBy([{ inScope: true, reachWithin: false, permissions: ['users.read'] }])).toThrow(
      expect.objectContaining({ code: 'USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS' }),
    );
  });

  it('manages a user only when their reach lies inside the caller\'s', () => {
    const policy = new GrantPolicy(rolesManager);
    expect(() => policy.assertTargetReachWithinOwn(true)).not.toThrow();
    expect(() => policy.assertTargetReachWithinOwn(false)).toThrow(expect.objectContaining({ code: 'USERS.USER_WIDER_SCOPE' }));
  });

  it('moves or deletes a group only when the caller administers its parent and reaches each of its admins', () => {
    const policy = new GrantPolicy(rolesManager);
    expect(() => policy.assertMayRestructureGroup({ parentAdministered: true, adminsWithinReach: true })).not.toThrow();
    for (const group of [{ parentAdministered: false, adminsWithinReach: true }, { parentAdministered: true, adminsWithinReach: false }]) {
      expect(() => policy.assertMayRestructureGroup(group)).toThrow(expect.objectContaining({ code: 'USERS.GROUP_BEYOND_REACH' }));
    }
  });
});
