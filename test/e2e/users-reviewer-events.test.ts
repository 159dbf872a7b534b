import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, rowsOf, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The Users module tells the Validation module when a reviewer may be gone: UserDeleted, UserRolesChanged,
 * ManagerRelationEnded, GroupAdminRemoved, each in the outbox exactly once per real change and never when
 * nothing changed (read straight from outbox_messages, batches unpacked).
 */
describe('users events that can take a reviewer away', () => {
  let app: TestApp;
  let admin: Http;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0' } });
    admin = await new Http(app.url).login('admin@example.com');
    for (const row of await app.sql<{ id: string; email: string }>(`select id, email from users`)) ids[row.email.split('@')[0]] = row.id;
    for (const row of await app.sql<{ id: string; name: string }>(`select id, name from groups`)) ids[row.name] = row.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const events = async (type: string) => {
    const rows = await app.sql<{ payload: Record<string, unknown> }>(`select payload from outbox_messages where event_type = $1 order by occurred_at`, [type]);
    return rows.flatMap((row) => (Array.isArray(row.payload.$batch) ? (row.payload.$batch as Record<string, unknown>[]) : [row.payload]));
  };
  const ok = (response: { status: number; body: unknown }, status = 204) => expect(response.status, JSON.stringify(response.body)).toBe(status);

  it('UserDeleted: once per deletion, not for deleting a deleted user again', async () => {
    const created = await admin.post('/api/users', { email: 'gone@example.com', firstName: 'Gone', lastName: 'Soon', language: 'en' });
    ok(created, 201);
    const userId = created.body.id as string;
    ok(await admin.delete(`/api/users/${userId}`));
    ok(await admin.delete(`/api/users/${userId}`));
    expect((await events('users.user-deleted.v1')).filter((p) => p.userId === userId)).toEqual([{ userId }]);
  });

  it('UserRolesChanged: when the set of roles changes (including by deleting a role), not when the same roles are set again', async () => {
    const userId = ids.leo;
    ok(await admin.put(`/api/users/${userId}/roles`, { roleKeys: ['learner'] }));
    expect((await events('users.user-roles-changed.v1')).filter((p) => p.userId === userId)).toEqual([]);
    ok(await admin.put(`/api/users/${userId}/roles`, { roleKeys: ['learner', 'manager'] }));
    ok(await admin.put(`/api/users/${userId}/roles`, { roleKeys: ['manager', 'learner', 'manager'] }));
    expect((await events('users.user-roles-changed.v1')).filter((p) => p.userId === userId)).toHaveLength(1);
    ok(await admin.put(`/api/users/${userId}/roles`, { roleKeys: ['learner'] }));
    expect((await events('users.user-roles-changed.v1')).filter((p) => p.userId === userId)).toHaveLength(2);

    const role = await admin.post('/api/roles', { key: 'reviewer-x', name: 'Reviewer X', permissions: ['users.read'] });
    ok(role, 201);
    ok(await admin.put(`/api/users/${ids.lucy}/roles`, { roleKeys: ['learner', 'reviewer-x'] }));
    ok(await admin.delete(`/api/roles/${role.body.id}`));
    expect((await events('users.user-roles-changed.v1')).filter((p) => p.userId === ids.lucy)).toHaveLength(2);
    expect(await app.sql(`select 1 from user_roles ur join roles r on r.id = ur.role_id where r.key = 'reviewer-x'`)).toEqual([]);
  });

  it('ManagerRelationEnded: on DELETE of an existing relation and when PUT changes its kind (the old kind ended), not otherwise', async () => {
    const [managerId, manageeId] = [ids.manager, ids.lars];
    const ended = async () => (await events('users.manager-relation-ended.v1')).filter((p) => p.manageeId === manageeId);
    ok(await admin.put(`/api/users/${managerId}/managees/${manageeId}`, { kind: 'manager' }));
    expect(await ended()).toEqual([]);
    ok(await admin.put(`/api/users/${managerId}/managees/${manageeId}`, { kind: 'coach' }));
    expect(await ended()).toEqual([{ managerId, manageeId, kind: 'manager' }]);
    ok(await admin.delete(`/api/users/${managerId}/managees/${manageeId}`));
    ok(await admin.delete(`/api/users/${managerId}/managees/${manageeId}`));
    expect(await ended()).toEqual([
      { managerId, manageeId, kind: 'manager' },
      { managerId, manageeId, kind: 'coach' },
    ]);
    expect(await app.sql(`select 1 from manager_relations where manager_id = $1 and managee_id = $2`, [managerId, manageeId])).toEqual([]);
  });

  it('GroupAdminRemoved: on removing an admin (once) and for each admin of a deleted group, not for members', async () => {
    const removed = async (groupId: string) => (await events('users.group-admin-removed.v1')).filter((p) => p.groupId === groupId);
    ok(await admin.put(`/api/groups/${ids.Sales}/admins/${ids.manager}`));
    ok(await admin.delete(`/api/groups/${ids.Sales}/admins/${ids.lotte}`));
    ok(await admin.delete(`/api/groups/${ids.Sales}/members/${ids.leo}`));
    expect(await removed(ids.Sales)).toEqual([]);
    ok(await admin.delete(`/api/groups/${ids.Sales}/admins/${ids.manager}`));
    ok(await admin.delete(`/api/groups/${ids.Sales}/admins/${ids.manager}`));
    expect(await removed(ids.Sales)).toEqual([{ groupId: ids.Sales, userId: ids.manager }]);

    const group = await admin.post('/api/groups', { name: 'Short-lived', parentId: ids.Acme });
    ok(group, 201);
    const groupId = group.body.id as string;
    ok(await admin.put(`/api/groups/${groupId}/admins/${ids.groupadmin}`));
    ok(await admin.put(`/api/groups/${groupId}/admins/${ids.manager}`));
    ok(await admin.delete(`/api/groups/${groupId}`));
    expect(new Set((await removed(groupId)).map((p) => p.userId))).toEqual(new Set([ids.groupadmin, ids.manager]));
    expect(await removed(groupId)).toHaveLength(2);
    expect(await app.sql(`select 1 from groups where id = $1`, [groupId])).toEqual([]);
  });

  it('UserDeleted: for each user an undone users import deletes, in the undo chunk', async () => {
    const id = await startImport(admin, 'users', 'people.csv', csv(['Email', 'First Name', 'Last Name'], [['undo.one@example.com', 'Un', 'Do'], ['undo.two@example.com', 'Deux', 'Do']]));
    expect((await finished(admin, id)).counts).toMatchObject({ succeeded: 2 });
    const created = (await rowsOf(admin, id, 'succeeded')).map((row) => row.entityId!);
    expect(created).toHaveLength(2);
    const undo = await admin.post(`/api/imports/${id}/undo`);
    ok(undo, 202);
    expect((await finished(admin, undo.body.id)).counts).toMatchObject({ succeeded: 2 });
    const deleted = (await events('users.user-deleted.v1')).filter((p) => created.includes(p.userId as string));
    expect(deleted.map((p) => p.userId).sort()).toEqual([...created].sort());
  });
});
