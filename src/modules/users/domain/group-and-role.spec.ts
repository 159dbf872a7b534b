import { describe, expect, it } from 'vitest';
import { Group } from './group.js';
import { Role, SYSTEM_ROLES } from './role.js';

describe('Group', () => {
  it('moves below another group but never below itself or its own subtree', () => {
    const root = Group.create('Acme', null);
    const child = Group.create('Ops', root.id);
    const grandchild = Group.create('Warehouse', child.id);
    expect(() => child.moveTo(child.id, [])).toThrow(expect.objectContaining({ code: 'USERS.GROUP_CYCLE' }));
    expect(() => child.moveTo(grandchild.id, [grandchild.id, child.id, root.id])).toThrow(expect.objectContaining({ code: 'USERS.GROUP_CYCLE' }));
    grandchild.moveTo(root.id, [root.id]);
    expect(grandchild.parentId).toBe(root.id);
    child.moveTo(null, []);
    expect(child.parentId).toBeNull();
  });
});

describe('Role', () => {
  it('accepts known permissions and import permissions, deduplicated and sorted', () => {
    const role = Role.create('operator', 'Operator', ['users.read', 'imports.obtained-certificates', 'users.read']);
    expect(role.permissions).toEqual(['imports.obtained-certificates', 'users.read']);
  });

  it('gives learners (the default role of a new user, granted without the grant check) only reading within their own scope', () => {
    // certificates.read reaches only users in the holder's scope, and a plain user's scope is themself: no
    // management, no scope.all, nothing that widens anyone's reach. Anything added here must stay like that.
    expect([...SYSTEM_ROLES.learner.permissions]).toEqual(['certificates.read']);
  });

  it('rejects unknown permissions', () => {
    expect(() => Role.create('x', 'X', ['users.destroy'])).toThrow(expect.objectContaining({ code: 'USERS.UNKNOWN_PERMISSION' }));
  });

  it('keeps built-in roles unchangeable', () => {
    const admin = Role.create(SYSTEM_ROLES.platformAdmin.key, 'Admin', [...SYSTEM_ROLES.platformAdmin.permissions], true);
    expect(() => admin.setPermissions([])).toThrow(expect.objectContaining({ code: 'USERS.ROLE_IS_SYSTEM' }));
    expect(admin.permissions).toContain('scope.all');
  });
});
