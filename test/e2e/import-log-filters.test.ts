import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * What the admin web app's import log needs from the API, for every client: the overview filtered by who
 * started an import and when, and the rows filtered by error or warning code, with the codes to choose from.
 * Driven through the test-only type (IMPORT_TEST_TYPES=true): amount "x" fails a row, over 100 warns.
 */
const TYPE = 'test-records';

describe('import log filters (who, when, row codes)', () => {
  let app: TestApp;
  let admin: Http;
  let lena: Http;
  let adminImport: string;
  let lenaImport: string;
  let lenaId: string;

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_TEST_TYPES: 'true' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    const role = await admin.post('/api/roles', { key: 'test-operator', name: 'Test operator', permissions: ['operations.manage'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    [{ id: lenaId }] = await app.sql<{ id: string }>(`select id from users where email = 'lena@example.com'`);
    expect((await admin.put(`/api/users/${lenaId}/roles`, { roleKeys: ['learner', 'test-operator'] })).status).toBeLessThan(300);
    lena = await http.login('lena@example.com');

    const file = csv(['Code', 'Name', 'Amount'], [
      ['A1', 'Alpha', '5'],
      ['A2', 'Beta', 'x'],
      ['A3', 'Gamma', '500'],
      ['A4', 'Delta', 'y'],
      ['A5', 'Epsilon', '7'],
    ]);
    adminImport = await startImport(admin, TYPE, 'admin-file.csv', file, { validateOnly: 'true' });
    lenaImport = await startImport(lena, TYPE, 'lena-file.csv', file, { validateOnly: 'true' });
    await finished(admin, adminImport);
    await finished(lena, lenaImport);
  });
  afterAll(async () => {
    await app?.close();
  });

  const ids = (body: { items: { id: string }[] }) => body.items.map((item) => item.id).sort();

  it('filters the overview by who started it (id or part of the name), within what the caller may see', async () => {
    const byId = await admin.get(`/api/imports?startedBy=${lenaId}`);
    expect(byId.status).toBe(200);
    expect(ids(byId.body)).toEqual([lenaImport]);
    expect(byId.body.meta.total).toBe(1);

    const [{ name }] = await app.sql<{ name: string }>(`select started_by_name as name from imports where id = $1`, [lenaImport]);
    const byName = await admin.get(`/api/imports?startedByName=${encodeURIComponent(name.slice(1, 4).toUpperCase())}`);
    expect(ids(byName.body)).toEqual([lenaImport]);
    // LIKE wildcards are literal: "%" matches no name.
    expect((await admin.get(`/api/imports?startedByName=%25`)).body.items).toEqual([]);

    // Lena sees only her own imports, whatever the filter asks for.
    expect(ids((await lena.get(`/api/imports?startedByName=`)).body)).toEqual([lenaImport]);
    const [{ id: adminId }] = await app.sql<{ id: string }>(`select id from users where email = 'admin@example.com'`);
    expect((await lena.get(`/api/imports?startedBy=${adminId}`)).body.items).toEqual([]);

    expect((await admin.get(`/api/imports?startedBy=not-a-uuid`)).status).toBe(400);
  });

  it('filters the overview by when it was created', async () => {
    await app.sql(`update imports set created_at = '2026-01-15T10:00:00Z' where id = $1`, [adminImport]);
    const january = await admin.get(`/api/imports?createdFrom=2026-01-01&createdBefore=2026-02-01`);
    expect(ids(january.body)).toEqual([adminImport]);
    const later = await admin.get(`/api/imports?createdFrom=2026-02-01`);
    expect(ids(later.body)).toEqual([lenaImport]);
    // The end is exclusive, to the instant.
    expect((await admin.get(`/api/imports?createdBefore=2026-01-15T10:00:00Z`)).body.items).toEqual([]);
    expect(ids((await admin.get(`/api/imports?createdBefore=2026-01-15T10:00:00.001Z`)).body)).toEqual([adminImport]);
    expect((await admin.get(`/api/imports?createdFrom=yesterday`)).status).toBe(400);
  });

  it('says which import types can be undone', async () => {
    const types = (await admin.get<{ key: string; supportsUndo: boolean }[]>('/api/import-types')).body;
    const undoable = Object.fromEntries(types.map((type) => [type.key, type.supportsUndo]));
    expect(undoable).toMatchObject({ users: true, 'obtained-certificates': true, [TYPE]: false });
  });

  it("lists the codes on an import's rows with their row counts, and filters the rows by code", async () => {
    const codes = await lena.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${lenaImport}/row-codes`);
    expect(codes.status).toBe(200);
    expect(codes.body).toEqual([
      { code: 'TEST_RECORDS.AMOUNT_NOT_A_NUMBER', kind: 'error', message: expect.stringContaining('Bedrag moet een getal zijn'), rows: 2 },
      { code: 'TEST_RECORDS.BIG_AMOUNT', kind: 'warning', message: expect.stringContaining('meer dan 100'), rows: 1 },
    ]);

    const failed = await lena.get(`/api/imports/${lenaImport}/rows?code=TEST_RECORDS.AMOUNT_NOT_A_NUMBER`);
    expect(failed.status).toBe(200);
    expect(failed.body.items.map((row: { rowNumber: number }) => row.rowNumber)).toEqual([3, 5]);
    expect(failed.body.meta.total).toBe(2);
    const warned = await lena.get(`/api/imports/${lenaImport}/rows?code=TEST_RECORDS.BIG_AMOUNT`);
    expect(warned.body.items.map((row: { rowNumber: number }) => row.rowNumber)).toEqual([4]);
    // Combined with the outcome filter: the warned row is valid, not failed.
    expect((await lena.get(`/api/imports/${lenaImport}/rows?code=TEST_RECORDS.BIG_AMOUNT&outcome=failed`)).body.items).toEqual([]);
    expect((await lena.get(`/api/imports/${lenaImport}/rows?code=NOPE.NOTHING`)).body.items).toEqual([]);
    expect((await lena.get(`/api/imports/${lenaImport}/rows?code=${encodeURIComponent("x' or 1=1")}`)).status).toBe(400);

    // Someone else's import: as unknown.
    expect((await lena.get(`/api/imports/${adminImport}/row-codes`)).status).toBe(404);
  });
});
