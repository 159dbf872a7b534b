import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { setPasswordInDatabase } from '../support/users.js';

/**
 * Managing a user needs their reach inside the caller's, not only their permissions: A administers G1,
 * B (same admin role) administers G2 and is a member of G1. A sees B, but must not delete, re-role,
 * move or re-relate B, which would change who runs G2 without A ever seeing G2.
 */
describe('managing a user whose scope is wider than the caller\'s (HTTP, real Postgres/Redis)', () => {
  let app: TestApp;
  let admin: Http;
  let a: Http;
  const ids: Record<string, string> = {};
  const groups: Record<string, string> = {};

  const createUser = async (key: string, roleKeys: string[]) => {
    const response = await admin.post('/api/users', {
      email: `${key}@scope-width.example.com`, firstName: key, lastName: 'Test', roleKeys, sendWelcomeMail: false,
    });
    expect(response.status).toBe(201);
    ids[key] = response.body.id;
  };
  const rolesOf = async (userId: string) => ((await admin.get(`/api/users/${userId}`)).body as { roles: string[] }).roles;

  beforeAll(async () => {
    app = await startTestApp();
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    // The group-admin role plus roles.manage, so that role changes reach the scope rule (not the permission check).
    const unitAdmin = await admin.post('/api/roles', {
      key: 'unit-admin', name: 'Unit admin', permissions: ['users.read', 'users.manage', 'roles.manage', 'certificates.read'],
    });
    expect(unitAdmin.status).toBe(201);
    for (const [key, parent] of [['g1', null], ['g2', null], ['g1sub', 'g1']] as const) {
      const group = await admin.post('/api/groups', { name: `Scope ${key}`, parentId: parent ? groups[parent] : null });
      expect(group.status).toBe(201);
      groups[key] = group.body.id;
    }
    await createUser('a', ['unit-admin']); // admin of G1
    await createUser('b', ['unit-admin']); // admin of G2, member of G1
    await createUser('c', ['unit-admin']); // admin of G1's subgroup, member of G1: inside A's reach
    await createUser('m', ['learner']); // member of G1, manages E outside A's reach
    await createUser('e', ['learner']); // member of G2 only
    await createUser('d', ['learner']); // plain member of G1
    const put = async (path: string) => expect((await admin.put(path)).status).toBe(204);
    await put(`/api/groups/${groups.g1}/admins/${ids.a}`);
    await put(`/api/groups/${groups.g2}/admins/${ids.b}`);
    await put(`/api/groups/${groups.g1sub}/admins/${ids.c}`);
    for (const key of ['b', 'c', 'm', 'd']) await put(`/api/groups/${groups.g1}/members/${ids[key]}`);
    await put(`/api/groups/${groups.g2}/members/${ids.e}`);
    expect((await admin.put(`/api/users/${ids.m}/managees/${ids.e}`, { kind: 'coach' })).status).toBe(204);
    await setPasswordInDatabase(app, ids.a, 'scope-width-password-a');
    a = await http.login('a@scope-width.example.com', 'scope-width-password-a');
  });
  afterAll(() => app?.close());

  it('refuses deleting, re-roling, moving or re-relating an admin of a group outside the caller\'s groups', async () => {
    expect((await a.get(`/api/users/${ids.b}`)).status).toBe(200); // in scope: a member of G1
    const deleted = await a.delete(`/api/users/${ids.b}`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.code).toBe('USERS.USER_WIDER_SCOPE');
    const reroled = await a.put(`/api/users/${ids.b}/roles`, { roleKeys: ['unit-admin'] });
    expect(reroled.status).toBe(403);
    expect(reroled.body.code).toBe('USERS.USER_WIDER_SCOPE');
    expect((await a.patch(`/api/users/${ids.b}`, { firstName: 'Renamed' })).body.code).toBe('USERS.USER_WIDER_SCOPE');
    expect((await a.delete(`/api/groups/${groups.g1}/members/${ids.b}`)).body.code).toBe('USERS.USER_WIDER_SCOPE');
    expect((await a.put(`/api/users/${ids.d}/managees/${ids.b}`, { kind: 'manager' })).body.code).toBe('USERS.USER_WIDER_SCOPE');
    expect(await rolesOf(ids.b)).toEqual(['unit-admin']);
    const [row] = await app.sql<{ status: string; admins: number }>(
      `select status, (select count(*)::int from group_admins where user_id = $1 and group_id = $2) as admins from users where id = $1`,
      [ids.b, groups.g2],
    );
    expect(row).toEqual({ status: 'active', admins: 1 });
  });

  it('refuses managing a user who manages or coaches people outside the caller\'s scope', async () => {
    const reroled = await a.put(`/api/users/${ids.m}/roles`, { roleKeys: ['learner', 'unit-admin'] });
    expect(reroled.status).toBe(403);
    expect(reroled.body.code).toBe('USERS.USER_WIDER_SCOPE');
    expect((await a.delete(`/api/users/${ids.m}`)).body.code).toBe('USERS.USER_WIDER_SCOPE');
  });

  it('still manages users whose reach lies inside the caller\'s: a subgroup\'s admin, a plain member, themself', async () => {
    expect((await a.patch(`/api/users/${ids.c}`, { firstName: 'Sub' })).status).toBe(204);
    expect((await a.put(`/api/users/${ids.c}/roles`, { roleKeys: ['unit-admin', 'learner'] })).status).toBe(204);
    expect((await a.put(`/api/users/${ids.d}/managees/${ids.c}`, { kind: 'coach' })).status).toBe(204);
    expect((await a.patch(`/api/users/${ids.d}`, { firstName: 'Plain' })).status).toBe(204);
    expect((await a.patch(`/api/users/${ids.a}`, { firstName: 'Self' })).status).toBe(204);
  });

  it('refuses changing a role held by a user whose reach is wider than the caller\'s', async () => {
    const shared = await admin.post('/api/roles', { key: 'scope-width-reader', name: 'Reader', permissions: ['users.read'] });
    expect(shared.status).toBe(201);
    expect((await admin.put(`/api/users/${ids.b}/roles`, { roleKeys: ['unit-admin', 'scope-width-reader'] })).status).toBe(204);
    const renamed = await a.patch(`/api/roles/${shared.body.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(403);
    expect(renamed.body.code).toBe('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS');
  });

  it('counts every holder of a role, not only active ones, when deciding whether the caller may change it', async () => {
    const role = await admin.post('/api/roles', { key: 'scope-width-auditor', name: 'Auditor', permissions: ['users.read'] });
    expect(role.status).toBe(201);
    const outsider = await admin.post('/api/users', {
      email: 'outsider@scope-width.example.com', firstName: 'Out', lastName: 'Sider', roleKeys: ['learner', 'scope-width-auditor'], sendWelcomeMail: false,
    });
    expect(outsider.status).toBe(201);
    expect((await admin.put(`/api/groups/${groups.g2}/members/${outsider.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/users/${outsider.body.id}`)).status).toBe(204);
    // The deleted holder, outside A's scope, still holds the role: A may neither change nor delete it.
    const renamed = await a.patch(`/api/roles/${role.body.id}`, { permissions: ['users.read', 'certificates.read'] });
    expect(renamed.status).toBe(403);
    expect(renamed.body.code).toBe('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS');
    expect((await a.delete(`/api/roles/${role.body.id}`)).body.code).toBe('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS');
    const [row] = await app.sql<{ permissions: string[] }>('select permissions from roles where id = $1', [role.body.id]);
    expect(row.permissions).toEqual(['users.read']);
  });

  it('lets a platform admin manage anyone (scope.all covers every reach)', async () => {
    expect((await admin.patch(`/api/users/${ids.b}`, { firstName: 'Still' })).status).toBe(204);
  });
});
