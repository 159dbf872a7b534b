import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { eventually, Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates';
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Reports count only the users the caller may see: the group admin of Operations (and its subgroup
 * Warehouse) sees Lena (L-1001, Operations) and Lucy (L-1003, Warehouse), not Lars (L-1004, Sales).
 */
describe('reports are limited to the caller scope', () => {
  let app: TestApp;
  let admin: Http;
  let groupAdmin: Http;

  beforeAll(async () => {
    app = await startTestApp();
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    // The platform admin registers May 2019 certificates for two members and one outsider.
    const rows = [
      ['L-1001', 'NT2-B1', '03-05-2019', null, 'SCOPE-1', null],
      ['L-1003', 'NT2-B1', '04-05-2019', null, 'SCOPE-2', null],
      ['L-1004', 'NT2-B1', '05-05-2019', null, 'SCOPE-3', null],
      ['L-1004', 'NT2-B1', '06-05-2019', null, 'SCOPE-4', null],
    ];
    const byAdmin = await startImport(admin, TYPE, 'admin.csv', csv(CERTIFICATE_HEADER, rows));
    expect((await finished(admin, byAdmin)).counts.succeeded).toBe(4);
    // The group admin imports one of their own members.
    const byGroupAdmin = await startImport(groupAdmin, TYPE, 'group.csv', csv(CERTIFICATE_HEADER, [['L-1002', 'NT2-B1', '07-05-2019', null, 'SCOPE-5', null]]));
    expect((await finished(groupAdmin, byGroupAdmin)).counts.succeeded).toBe(1);
  });
  afterAll(async () => {
    await app?.close();
  });

  const certificates = async (http: Http) => {
    const response = await http.get('/api/reports/certificates-per-month?definitionCode=NT2-B1&from=2019-05&to=2019-05');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { definitionCode: string; month: string; certificates: number }[];
  };
  const imports = async (http: Http) => {
    const response = await http.get(`/api/reports/imports-per-day?importType=${TYPE}&from=${today()}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { imports: number; rowsSucceeded: number; validateOnly: boolean }[];
  };

  it('a platform admin sees the certificates of everyone', async () => {
    const rows = await eventually(async () => {
      const body = await certificates(admin);
      return body[0]?.certificates === 5 ? body : undefined;
    });
    expect(rows).toEqual([{ definitionId: expect.any(String), definitionCode: 'NT2-B1', month: '2019-05', certificates: 5 }]);
  });

  it('a group admin sees only the certificates of their members, as one row per definition and month', async () => {
    await eventually(async () => (await certificates(admin))[0]?.certificates === 5);
    expect(await certificates(groupAdmin)).toEqual([{ definitionId: expect.any(String), definitionCode: 'NT2-B1', month: '2019-05', certificates: 3 }]);
  });

  it('imports per day: a platform admin sees every import, a group admin only those their members started', async () => {
    const all = await eventually(async () => {
      const body = await imports(admin);
      return body.length === 1 && body[0].imports === 2 ? body : undefined;
    });
    expect(all).toEqual([expect.objectContaining({ imports: 2, rowsSucceeded: 5, validateOnly: false })]);
    expect(await imports(groupAdmin)).toEqual([expect.objectContaining({ imports: 1, rowsSucceeded: 1, validateOnly: false })]);
  });
});
