import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { setPasswordInDatabase } from '../support/users.js';

/**
 * Moving or deleting a group changes the scope of every admin above it. W administers G0; P administers
 * its subgroup G1a (and G9, a top-level group of their own). P must not detach G1a from G0 (parent null,
 * or under G9) nor delete it: G1a and its members would drop out of W's scope. W, who administers G0,
 * may restructure G0's subgroups, but only those whose admins lie within W's reach (not G1a: P also runs G9).
 */
describe('moving or deleting a group needs the caller to reach the admins above and of it (HTTP, real Postgres/Redis)', () => {
  let app: TestApp;
  let admin: Http;
  let p: Http;
  let w: Http;
  const ids: Record<string, string> = {};
  const groups: Record<string, string> = {};

  const parentOf = async (groupId: string) =>
    (await app.sql<{ parent_id: string | null }>('select parent_id from groups where id = $1', [groupId]))[0]?.parent_id;
  const exists = async (groupId: string) => (await app.sql('select 1 from groups where id = $1', [groupId])).length === 1;

  beforeAll(async () => {
    app = await startTestApp();
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    const unitAdmin = await admin.post('/api/roles', {
      key: 'unit-admin', name: 'Unit admin', permissions: ['users.read', 'users.manage', 'groups.manage'],
    });
    expect(unitAdmin.status).toBe(201);
    const tree = [['g0', null], ['g0b', 'g0'], ['g1a', 'g0'], ['g1c', 'g0'], ['g1d', 'g0'], ['g9', null]] as const;
    for (const [key, parent] of tree) {
      const group = await admin.post('/api/groups', { name: `Restructure ${key}`, parentId: parent ? groups[parent] : null });
      expect(group.status).toBe(201);
      groups[key] = group.body.id;
    }
    for (const key of ['p', 'w', 'q', 'm']) {
      const user = await admin.post('/api/users', {
        email: `${key}@restructure.example.com`, firstName: key, lastName: 'Test', roleKeys: [key === 'm' ? 'learner' : 'unit-admin'], sendWelcomeMail: false,
      });
      expect(user.status).toBe(201);
      ids[key] = user.body.id;
    }
    const put = async (path: string) => expect((await admin.put(path)).status).toBe(204);
    await put(`/api/groups/${groups.g0}/admins/${ids.w}`);
    await put(`/api/groups/${groups.g1a}/admins/${ids.p}`);
    await put(`/api/groups/${groups.g9}/admins/${ids.p}`);
    await put(`/api/groups/${groups.g1c}/admins/${ids.q}`); // Q runs only G1c: inside W's reach
    await put(`/api/groups/${groups.g1a}/members/${ids.m}`);
    await setPasswordInDatabase(app, ids.p, 'restructure-password-p');
    await setPasswordInDatabase(app, ids.w, 'restructure-password-w');
    p = await http.login('p@restructure.example.com', 'restructure-password-p');
    w = await http.login('w@restructure.example.com', 'restructure-password-w');
  });
  afterAll(() => app?.close());

  it('refuses a subgroup\'s admin detaching it from the wider admin\'s group, moving it under their own, or deleting it', async () => {
    const detached = await p.patch(`/api/groups/${groups.g1a}`, { parentId: null });
    expect(detached.status).toBe(403);
    expect(detached.body.code).toBe('USERS.GROUP_BEYOND_REACH');
    const moved = await p.patch(`/api/groups/${groups.g1a}`, { parentId: groups.g9 });
    expect(moved.status).toBe(403);
    expect(moved.body.code).toBe('USERS.GROUP_BEYOND_REACH');
    const deleted = await p.delete(`/api/groups/${groups.g1a}`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.code).toBe('USERS.GROUP_BEYOND_REACH');
    expect(await parentOf(groups.g1a)).toBe(groups.g0);
    expect((await w.get(`/api/users/${ids.m}`)).status).toBe(200); // M is still in W's scope
  });

  it('still lets a group\'s own admin rename it (also with its current parent repeated)', async () => {
    expect((await p.patch(`/api/groups/${groups.g1a}`, { name: 'Renamed by P' })).status).toBe(204);
    expect((await p.patch(`/api/groups/${groups.g1a}`, { name: 'Renamed again', parentId: groups.g0 })).status).toBe(204);
    expect(await parentOf(groups.g1a)).toBe(groups.g0);
  });

  it('refuses even the parent\'s admin moving or deleting a group whose admin reaches beyond them', async () => {
    const moved = await w.patch(`/api/groups/${groups.g1a}`, { parentId: groups.g0b });
    expect(moved.status).toBe(403);
    expect(moved.body.code).toBe('USERS.GROUP_BEYOND_REACH');
    expect((await w.delete(`/api/groups/${groups.g1a}`)).body.code).toBe('USERS.GROUP_BEYOND_REACH');
    expect(await exists(groups.g1a)).toBe(true);
  });

  it('refuses a non platform admin moving a group to the top level, or a top-level group at all', async () => {
    expect((await w.patch(`/api/groups/${groups.g1c}`, { parentId: null })).body.code).toBe('USERS.GROUP_BEYOND_REACH');
    expect((await w.patch(`/api/groups/${groups.g1c}`, { parentId: groups.g9 })).status).toBe(404); // G9 is not W's
    expect((await w.delete(`/api/groups/${groups.g0}`)).body.code).toBe('USERS.GROUP_BEYOND_REACH');
    expect(await parentOf(groups.g1c)).toBe(groups.g0);
  });

  it('lets the parent\'s admin move and delete subgroups whose admins are within their reach', async () => {
    expect((await w.patch(`/api/groups/${groups.g1c}`, { parentId: groups.g0b })).status).toBe(204);
    expect(await parentOf(groups.g1c)).toBe(groups.g0b);
    expect((await w.delete(`/api/groups/${groups.g1d}`)).status).toBe(204);
    expect(await exists(groups.g1d)).toBe(false);
  });

  it('lets a platform admin (scope.all) move and delete any group', async () => {
    expect((await admin.patch(`/api/groups/${groups.g1a}`, { parentId: null })).status).toBe(204);
    expect(await parentOf(groups.g1a)).toBe(null);
    expect((await admin.delete(`/api/groups/${groups.g1a}`)).status).toBe(204);
  });
});
