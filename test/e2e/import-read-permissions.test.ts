import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates';

/**
 * Reading an import needs, at read time, the permission of its type: starting it once is not enough.
 * A user who started an import and then lost `imports.<type>` sees it nowhere any more.
 */
describe('import reads require the import type permission at read time', () => {
  let app: TestApp;
  let admin: Http;
  let lena: Http;
  let roleId: string;
  let lenaId: string;
  let id: string;

  beforeAll(async () => {
    app = await startTestApp();
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    const created = await admin.post('/api/roles', { key: 'certificate-importer', name: 'Certificate importer', permissions: [`imports.${TYPE}`] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    roleId = created.body.id;
    [{ id: lenaId }] = await app.sql<{ id: string }>(`select id from users where email = 'lena@example.com'`);
    const assigned = await admin.put(`/api/users/${lenaId}/roles`, { roleKeys: ['learner', 'certificate-importer'] });
    expect(assigned.status, JSON.stringify(assigned.body)).toBeLessThan(300);
    lena = await http.login('lena@example.com');
    // A validate-only run with a row outside her scope: it has failed rows (an error file) and can be run.
    id = await startImport(lena, TYPE, 'mine.csv', csv(CERTIFICATE_HEADER, [['L-1001', 'VCA-BASIS', '01-02-2025', null, 'A-1', null], ['L-1005', 'VCA-BASIS', '01-02-2025', null, 'A-2', null]]), { validateOnly: 'true' });
    expect((await finished(lena, id)).status).toBe('completed_with_errors');
  });
  afterAll(async () => {
    await app?.close();
  });

  const reads = () => ({
    get: lena.get(`/api/imports/${id}`),
    rows: lena.get(`/api/imports/${id}/rows`),
    errorFile: lena.get(`/api/imports/${id}/error-file?format=csv`),
    resultsFile: lena.get(`/api/imports/${id}/results-file?format=csv`),
    events: lena.get(`/api/imports/${id}/events`),
  });

  it('the starter reads their import while they hold the permission', async () => {
    const { get, rows, errorFile, resultsFile, events } = reads();
    expect((await get).status).toBe(200);
    expect((await rows).status).toBe(200);
    expect((await errorFile).status).toBe(200);
    expect((await resultsFile).status).toBe(200);
    expect((await events).status).toBe(200);
    expect((await lena.get('/api/imports')).body.items.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('after their role loses the permission every read and action answers 404 as for a missing import, and the list leaves it out', async () => {
    const changed = await admin.patch(`/api/roles/${roleId}`, { permissions: ['certificates.read'] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);
    const { get, rows, errorFile, resultsFile, events } = reads();
    for (const response of [await get, await rows, await errorFile, await resultsFile, await events]) {
      expect(response.status, JSON.stringify(response.body)).toBe(404);
      expect(response.body.code).toBe('IMPORTS.IMPORT_NOT_FOUND');
    }
    for (const action of ['cancel', 'run']) {
      const response = await lena.post(`/api/imports/${id}/${action}`);
      expect(response.status, `${action}: ${JSON.stringify(response.body)}`).toBe(404);
    }
    const list = await lena.get('/api/imports');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect(list.body.meta.total).toBe(0);
    // Nothing was started by the refused run.
    expect(await app.sql(`select id from imports where retry_of = $1`, [id])).toEqual([]);
    // The platform admin, who holds the type's permission, still sees it.
    expect((await admin.get(`/api/imports/${id}`)).status).toBe(200);
  });

  it('a platform admin too sees only imports of types whose permission they hold', async () => {
    // An import of a type that is no longer declared (a removed plug-in) is shown to no one.
    await app.sql(`update imports set type = 'retired-type' where id = $1`, [id]);
    expect((await admin.get(`/api/imports/${id}`)).status).toBe(404);
    expect((await admin.get('/api/imports')).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
  });
});
