import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { setPasswordInDatabase } from '../support/users.js';

/**
 * The attack from issue 6: a custom role with roles.manage (+ users.manage) used to make its holder a
 * platform admin. Granting is limited to the caller's own permissions; managing a user needs the
 * user to hold nothing beyond the caller; a role held by users the caller cannot manage is not theirs.
 */
describe('no escalation through roles (HTTP, real Postgres/Redis)', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let helpdesk: Http;
  let helpdeskUserId: string;
  let helpdeskRoleId: string;
  let adminUserId: string;
  const helpdeskPermissions = ['roles.manage', 'users.manage', 'users.read', 'certificates.read'];

  const userByCode = async (code: string) => ((await admin.get(`/api/users?userCode=${code}`)).body.items[0] as { id: string }).id;
  const rolesOf = async (userId: string) => ((await admin.get(`/api/users/${userId}`)).body as { roles: string[] }).roles;

  beforeAll(async () => {
    app = await startTestApp();
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    adminUserId = (await admin.get('/api/auth/me')).body.userId;
    const role = await admin.post('/api/roles', { key: 'helpdesk', name: 'Helpdesk', permissions: helpdeskPermissions });
    expect(role.status).toBe(201);
    helpdeskRoleId = role.body.id;
    const user = await admin.post('/api/users', {
      email: 'helpdesk@example.com', firstName: 'Hel', lastName: 'Pdesk', roleKeys: ['helpdesk'], sendWelcomeMail: false,
    });
    expect(user.status).toBe(201);
    helpdeskUserId = user.body.id;
    // The API never sets another user's password; the test sets it in its own database, as the demo seeder does.
    await setPasswordInDatabase(app, helpdeskUserId, 'helpdesk-password-1');
    const warehouse = ((await admin.get('/api/groups')).body as { id: string; name: string }[]).find((g) => g.name === 'Warehouse')!;
    expect((await admin.put(`/api/groups/${warehouse.id}/admins/${helpdeskUserId}`)).status).toBe(204);
    expect((await admin.put(`/api/groups/${warehouse.id}/members/${adminUserId}`)).status).toBe(204);
    helpdesk = await http.login('helpdesk@example.com', 'helpdesk-password-1');
  });
  afterAll(() => app?.close());

  it('refuses a role manager who assigns themselves platform-admin', async () => {
    const response = await helpdesk.put(`/api/users/${helpdeskUserId}/roles`, { roleKeys: ['helpdesk', 'platform-admin'] });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('USERS.GRANT_BEYOND_OWN_PERMISSIONS');
    expect(response.body.title).toContain('you do not hold');
    expect(await rolesOf(helpdeskUserId)).toEqual(['helpdesk']);
    expect((await helpdesk.get('/api/auth/me')).body.permissions).not.toContain('scope.all');
  });

  it('refuses creating a role with scope.all, or any permission the caller lacks', async () => {
    const scopeAll = await helpdesk.post('/api/roles', { key: 'root', name: 'Root', permissions: ['users.read', 'scope.all'] });
    expect(scopeAll.status).toBe(403);
    expect(scopeAll.body.code).toBe('USERS.GRANT_BEYOND_OWN_PERMISSIONS');
    expect(scopeAll.body.params.permission).toBe('scope.all');
    const groups = await helpdesk.post('/api/roles', { key: 'grouper', name: 'Grouper', permissions: ['groups.manage'] });
    expect(groups.status).toBe(403);
    expect((await admin.get('/api/roles')).body.map((r: { key: string }) => r.key)).not.toContain('root');
  });

  it('refuses adding permissions to the caller\'s own role', async () => {
    const response = await helpdesk.patch(`/api/roles/${helpdeskRoleId}`, { permissions: [...helpdeskPermissions, 'scope.all'] });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('USERS.GRANT_BEYOND_OWN_PERMISSIONS');
    const [row] = await app.sql<{ permissions: string[] }>('select permissions from roles where id = $1', [helpdeskRoleId]);
    expect(row.permissions).not.toContain('scope.all');
  });

  it('refuses re-roling a more privileged user in the caller\'s scope', async () => {
    // The platform admin is a member of Warehouse, which the helpdesk user administers: in scope, but above them.
    expect((await helpdesk.get(`/api/users/${adminUserId}`)).status).toBe(200);
    const response = await helpdesk.put(`/api/users/${adminUserId}/roles`, { roleKeys: ['learner'] });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('USERS.USER_MORE_PRIVILEGED');
    expect(await rolesOf(adminUserId)).toContain('platform-admin');
    expect((await helpdesk.patch(`/api/users/${adminUserId}`, { firstName: 'Pwned' })).body.code).toBe('USERS.USER_MORE_PRIVILEGED');
    expect((await helpdesk.delete(`/api/users/${adminUserId}`)).status).toBe(403);
  });

  it('refuses moving a more privileged user between groups or into a manager relation', async () => {
    const groups = (await admin.get('/api/groups')).body as { id: string; name: string }[];
    const warehouse = groups.find((g) => g.name === 'Warehouse')!;
    const removed = await helpdesk.delete(`/api/groups/${warehouse.id}/members/${adminUserId}`);
    expect(removed.status).toBe(403);
    expect(removed.body.code).toBe('USERS.USER_MORE_PRIVILEGED');
    const puppet = await userByCode('L-1003');
    const relation = await helpdesk.put(`/api/users/${puppet}/managees/${adminUserId}`, { kind: 'manager' });
    expect(relation.status).toBe(403);
    expect(relation.body.code).toBe('USERS.USER_MORE_PRIVILEGED');
  });

  it('refuses changing or deleting a role held by users the caller cannot manage', async () => {
    const auditor = await admin.post('/api/roles', { key: 'auditor', name: 'Auditor', permissions: ['users.read'] });
    expect((await admin.put(`/api/users/${adminUserId}/roles`, { roleKeys: ['platform-admin', 'auditor'] })).status).toBe(204);
    const renamed = await helpdesk.patch(`/api/roles/${auditor.body.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(403);
    expect(renamed.body.code).toBe('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS');
    expect((await helpdesk.patch(`/api/roles/${auditor.body.id}`, { permissions: [] })).status).toBe(403);
    expect((await helpdesk.delete(`/api/roles/${auditor.body.id}`)).body.code).toBe('USERS.ROLE_HELD_BY_UNMANAGEABLE_USERS');
  });

  it('refuses creating a user with a role beyond the caller', async () => {
    const warehouse = ((await admin.get('/api/groups')).body as { id: string; name: string }[]).find((g) => g.name === 'Warehouse')!;
    const response = await helpdesk.post('/api/users', {
      email: 'sock-puppet@example.com', firstName: 'Sock', lastName: 'Puppet', groupIds: [warehouse.id], roleKeys: ['platform-admin'],
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('USERS.GRANT_BEYOND_OWN_PERMISSIONS');
    expect(await app.sql(`select id from users where email = 'sock-puppet@example.com'`)).toHaveLength(0);
  });

  it('refuses a password when creating a user, even from a platform admin', async () => {
    const response = await admin.post('/api/users', {
      email: 'preset@example.com', firstName: 'Pre', lastName: 'Set', password: 'admin-chosen-password', sendWelcomeMail: false,
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('USERS.PASSWORD_RESET_LINK_REQUIRED');
    expect(await app.sql(`select id from users where email = 'preset@example.com'`)).toHaveLength(0);
    expect((await http.post('/api/auth/login', { email: 'preset@example.com', password: 'admin-chosen-password' })).status).toBe(401);
  });

  it('lets an admin role without the learner\'s permissions create users with the default learner role', async () => {
    // users.manage but not certificates.read (the learner's permission): the default role is no grant of theirs.
    expect((await admin.post('/api/roles', { key: 'clerk', name: 'Clerk', permissions: ['users.read', 'users.manage'] })).status).toBe(201);
    const clerkUser = await admin.post('/api/users', { email: 'clerk@example.com', firstName: 'Cle', lastName: 'Rk', roleKeys: ['clerk'], sendWelcomeMail: false });
    expect(clerkUser.status).toBe(201);
    const warehouse = ((await admin.get('/api/groups')).body as { id: string; name: string }[]).find((g) => g.name === 'Warehouse')!;
    expect((await admin.put(`/api/groups/${warehouse.id}/admins/${clerkUser.body.id}`)).status).toBe(204);
    await setPasswordInDatabase(app, clerkUser.body.id, 'clerk-password-1');
    const clerk = await http.login('clerk@example.com', 'clerk-password-1');
    const created = await clerk.post('/api/users', { email: 'new-learner@example.com', firstName: 'New', lastName: 'Learner', groupIds: [warehouse.id], sendWelcomeMail: false });
    expect(created.status).toBe(201);
    expect(await rolesOf(created.body.id)).toEqual(['learner']);
    // Naming a role is still a grant: the clerk cannot name one beyond their own permissions.
    const named = await clerk.post('/api/users', {
      email: 'named-learner@example.com', firstName: 'Named', lastName: 'Learner', groupIds: [warehouse.id], roleKeys: ['learner'], sendWelcomeMail: false,
    });
    expect(named.status).toBe(403);
  });

  it('still allows legitimate grants within the caller\'s own permissions', async () => {
    const reader = await helpdesk.post('/api/roles', { key: 'reader', name: 'Reader', permissions: ['users.read'] });
    expect(reader.status).toBe(201);
    const learner = await userByCode('L-1003'); // in Warehouse
    expect((await helpdesk.put(`/api/users/${learner}/roles`, { roleKeys: ['learner', 'reader'] })).status).toBe(204);
    expect(await rolesOf(learner)).toEqual(['learner', 'reader']);
    expect((await helpdesk.patch(`/api/roles/${reader.body.id}`, { name: 'Readers', permissions: ['users.read', 'certificates.read'] })).status).toBe(204);
    // Giving themselves a role within what they hold is fine (it gains nothing).
    expect((await helpdesk.put(`/api/users/${helpdeskUserId}/roles`, { roleKeys: ['helpdesk', 'reader'] })).status).toBe(204);
    // A platform admin holds everything and may grant everything.
    expect((await admin.put(`/api/users/${learner}/roles`, { roleKeys: ['platform-admin'] })).status).toBe(204);
    expect((await admin.post('/api/roles', { key: 'everything', name: 'Everything', permissions: ['scope.all', 'roles.manage'] })).status).toBe(201);
  });
});
