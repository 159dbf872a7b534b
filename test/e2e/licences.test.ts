import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Http } from '../support/http.js';
import { finished, rowsOf, startImport, type ImportBody } from '../support/imports.js';
import { LICENCE_HEADER, licencesTxt, licencesXml, type LicenceRow } from '../support/licences.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Licences and certifications through HTTP against real Postgres and Redis, with import chunks of 3 rows.
 * Demo data: the manager (a supervisor) manages Lars (L-1004) and Lotte (L-1006); the group admin
 * administers Operations (Lena L-1001, Liam L-1002) and Warehouse (Lucy L-1003). Types made here: RN
 * (number required, 24 months), CPR (no number, 12 months), OLD (retired).
 */
const TYPE = 'licences';
type Verdict = { outcome: string; message: string } | null;
type LicencesImport = ImportBody & { validateOnly: boolean; verdict: Verdict };

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('licences', () => {
  let app: TestApp;
  let admin: Http;
  let manager: Http;
  let groupAdmin: Http;
  const users: Record<string, string> = {};
  const types: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_CHUNK_SIZE: '3' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    manager = await http.login('manager@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    for (const user of await app.sql<{ id: string; user_code: string | null }>(`select id, user_code from users`)) if (user.user_code) users[user.user_code] = user.id;
    for (const [code, body] of Object.entries({
      RN: { name: 'Registered nurse', issuingBody: 'Board of Nursing', numberRequired: true, defaultValidityMonths: 24 },
      CPR: { name: 'CPR', numberRequired: false, defaultValidityMonths: 12 },
      OLD: { name: 'Old scheme', numberRequired: false },
    })) {
      const created = await admin.post('/api/licence-types', { code: code.toLowerCase(), ...body });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      types[code] = created.body.id;
    }
    expect((await admin.post(`/api/licence-types/${types.OLD}/retire`)).body.status).toBe('retired');
  });
  afterAll(async () => {
    await app?.close();
  });

  const licenceCount = async () => Number((await app.sql<{ n: string }>(`select count(*) as n from user_licences`))[0].n);
  const licencesOf = (code: string) =>
    app.sql<{ id: string; type: string; number: string | null; jurisdiction: string | null; issued_on: string; expires_on: string | null }>(
      `select l.id, t.code as type, l.number, l.jurisdiction, to_char(l.issued_on, 'YYYY-MM-DD') as issued_on, to_char(l.expires_on, 'YYYY-MM-DD') as expires_on
         from user_licences l join licence_types t on t.id = l.type_id where l.user_id = $1 and t.code in ('RN', 'CPR', 'OLD') order by t.code, l.number`,
      [users[code]],
    );
  /** Licence events recorded in the outbox (batched messages unpacked), of one import if given. */
  const events = async (type: 'added' | 'changed' | 'removed', importId?: string) => {
    const messages = await app.sql<{ payload: Record<string, unknown> }>(`select payload from outbox_messages where event_type = $1`, [`licences.licence-${type}.v1`]);
    return messages
      .flatMap((m) => (m.payload.$batch as Record<string, unknown>[] | undefined) ?? [m.payload])
      .filter((payload) => importId === undefined || payload.importId === importId);
  };
  const run = async (http: Http, name: string, content: Buffer, fields: Record<string, string> = {}) =>
    (await finished(http, await startImport(http, TYPE, name, content, fields))) as LicencesImport;

  describe('licence types', () => {
    it('are managed by platform admins: codes unique, retire and reactivate, delete only when unused', async () => {
      expect((await admin.post('/api/licence-types', { code: 'RN', name: 'Again' })).status).toBe(409);
      expect((await admin.post('/api/licence-types', { code: 'bad code', name: 'x' })).body.code).toBe('LICENCES.TYPE_CODE_INVALID');
      expect((await admin.post('/api/licence-types', { code: 'X', name: 'x', defaultValidityMonths: 0 })).status).toBe(400);
      expect((await manager.post('/api/licence-types', { code: 'MGR', name: 'x' })).status).toBe(403);

      const rn = await admin.get(`/api/licence-types/${types.RN}`);
      expect(rn.body).toMatchObject({ code: 'RN', name: 'Registered nurse', issuingBody: 'Board of Nursing', numberRequired: true, defaultValidityMonths: 24, status: 'active' });
      const changed = await admin.patch(`/api/licence-types/${types.RN}`, { issuingBody: 'State Board of Nursing' });
      expect(changed.body).toMatchObject({ code: 'RN', issuingBody: 'State Board of Nursing', numberRequired: true });
      // Supervisors see the catalogue (to fill in files), but cannot change it.
      const seen = await manager.get('/api/licence-types?status=active');
      expect(seen.status).toBe(200);
      expect(seen.body.map((t: { code: string }) => t.code)).toEqual(expect.arrayContaining(['CPR', 'RN']));
      expect(seen.body.map((t: { code: string }) => t.code)).not.toContain('OLD');
      expect((await manager.patch(`/api/licence-types/${types.RN}`, { name: 'x' })).status).toBe(403);

      const temp = await admin.post('/api/licence-types', { code: 'TEMP', name: 'Temporary' });
      expect((await admin.post(`/api/licence-types/${temp.body.id}/retire`)).body.status).toBe('retired');
      expect((await admin.post(`/api/licence-types/${temp.body.id}/reactivate`)).body.status).toBe('active');
      const used = await admin.post('/api/licences', { userId: users['L-1005'], typeId: temp.body.id, issuedOn: '2026-01-01' });
      expect(used.status, JSON.stringify(used.body)).toBe(201);
      const refused = await admin.delete(`/api/licence-types/${temp.body.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('LICENCES.TYPE_IN_USE');
      expect((await admin.delete(`/api/licences/${used.body.id}`)).status).toBe(204);
      expect((await admin.delete(`/api/licence-types/${temp.body.id}`)).status).toBe(204);
      expect((await admin.get(`/api/licence-types/${temp.body.id}`)).status).toBe(404);
    });
  });

  describe('licences by hand', () => {
    it('are added, changed and deleted by a supervisor for their managees only; others answer 404 like unknown ones', async () => {
      const added = await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'rn', number: 'HAND-1', jurisdiction: 'CA', issuedOn: '2025-06-01' });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body).toMatchObject({ user: { id: users['L-1004'], userCode: 'L-1004' }, type: { code: 'RN' }, number: 'HAND-1', issuedOn: '2025-06-01', expiresOn: '2027-06-01' });
      const id = added.body.id;

      // Same user + type + number (case-insensitive): 409. A user outside scope: 404, as an unknown one.
      expect((await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'RN', number: 'hand-1', issuedOn: '2025-06-01' })).status).toBe(409);
      const outside = await manager.post('/api/licences', { userId: users['L-1001'], typeCode: 'RN', number: 'HAND-2', issuedOn: '2025-06-01' });
      const unknown = await manager.post('/api/licences', { userId: '00000000-0000-4000-8000-000000000000', typeCode: 'RN', number: 'HAND-2', issuedOn: '2025-06-01' });
      expect(outside.status).toBe(404);
      expect(outside.body.code).toBe(unknown.body.code);
      // The rules: a number where required, not a retired type, expiry not before issue.
      expect((await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'RN', issuedOn: '2025-06-01' })).body.code).toBe('LICENCES.NUMBER_REQUIRED');
      expect((await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'OLD', issuedOn: '2025-06-01' })).body.code).toBe('LICENCES.TYPE_RETIRED');
      expect((await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'CPR', issuedOn: '2025-06-01', expiresOn: '2025-05-31' })).body.code).toBe(
        'LICENCES.EXPIRY_BEFORE_ISSUE',
      );
      expect((await manager.post('/api/licences', { userId: users['L-1004'], typeCode: 'CPR', issuedOn: '01-06-2025' })).status).toBe(400);

      // Dates read once: inDays() called twice could straddle midnight.
      const in5 = inDays(5);
      const in10 = inDays(10);
      const changed = await manager.patch(`/api/licences/${id}`, { expiresOn: in10, jurisdiction: null });
      expect(changed.body).toMatchObject({ expiresOn: in10, jurisdiction: null, status: 'expiring' });
      expect((await manager.get(`/api/licences/${id}?expiringWithinDays=5`)).body.status).toBe('active');

      const lena = await admin.post('/api/licences', { userId: users['L-1001'], typeCode: 'CPR', issuedOn: '2024-01-01' });
      expect(lena.body).toMatchObject({ expiresOn: '2025-01-01', status: 'expired' });
      expect((await manager.get(`/api/licences/${lena.body.id}`)).status).toBe(404);
      expect((await manager.patch(`/api/licences/${lena.body.id}`, { jurisdiction: 'NY' })).status).toBe(404);
      expect((await manager.delete(`/api/licences/${lena.body.id}`)).status).toBe(404);

      // The manager's list holds only their managees' licences; the filters work.
      const list = (await manager.get('/api/licences?pageSize=500')).body.items as { user: { id: string }; id: string }[];
      expect(list.map((l) => l.id)).toContain(id);
      expect(new Set(list.map((l) => l.user.id))).toEqual(new Set(list.map((l) => l.user.id).filter((u) => [users['L-1004'], users['L-1006']].includes(u))));
      const expiring = (await manager.get(`/api/licences?status=expiring&typeCode=RN&userId=${users['L-1004']}`)).body.items as { id: string }[];
      expect(expiring.map((l) => l.id)).toEqual([id]);
      expect((await manager.get(`/api/licences?status=active&typeCode=RN&userId=${users['L-1004']}`)).body.items).toEqual([]);
      expect((await manager.get(`/api/licences?typeCode=RN&expiringBefore=${in5}`)).body.items).toEqual([]);
      expect((await manager.get(`/api/licences?typeCode=RN&expiringBefore=${in10}`)).body.items.map((l: { id: string }) => l.id)).toEqual([id]);
      expect((await admin.get(`/api/licences?status=expired&typeCode=CPR`)).body.items.map((l: { id: string }) => l.id)).toContain(lena.body.id);

      expect((await manager.delete(`/api/licences/${id}`)).status).toBe(204);
      expect((await manager.get(`/api/licences/${id}`)).status).toBe(404);
      expect((await admin.delete(`/api/licences/${lena.body.id}`)).status).toBe(204);
      // One event per change, recorded with it.
      expect((await events('added')).filter((e) => e.licenceId === id)).toHaveLength(1);
      expect((await events('changed')).filter((e) => e.licenceId === id)).toHaveLength(1);
      expect((await events('removed')).filter((e) => e.licenceId === id)).toHaveLength(1);
    });
  });

  describe('import', () => {
    it('only validates by default: nothing written, "likely to succeed" with counts, or "errors found"', async () => {
      const before = await licenceCount();
      const addedBefore = (await events('added')).length;
      const good = await run(manager, 'good.txt', licencesTxt([
        ['Add', 'L-1004', 'RN', 'V-1', 'CA', '2026-01-10', ''],
        ['Add', 'lotte@example.com', 'CPR', '', '', '10-01-2026', '2026-12-31'],
      ]));
      expect(good).toMatchObject({ status: 'completed', validateOnly: true, counts: { total: 2, valid: 2, failed: 0 } });
      expect(good.verdict).toMatchObject({ outcome: 'likely_to_succeed' });
      expect(good.verdict!.message).toContain('2 row(s)');
      expect(await licenceCount()).toBe(before);
      expect((await events('added')).length).toBe(addedBefore);

      const bad = await run(manager, 'bad.txt', licencesTxt([
        ['Add', 'L-1004', 'RN', 'V-2', '', '2026-01-10', ''],
        ['Add', 'L-1004', 'NOPE', 'V-3', '', '2026-01-10', ''],
      ]));
      expect(bad).toMatchObject({ status: 'completed_with_errors', validateOnly: true, counts: { total: 2, valid: 1, failed: 1 } });
      expect(bad.verdict).toMatchObject({ outcome: 'errors_found' });
      expect(await licenceCount()).toBe(before);
      // Run for real (the same file and options): the valid row is imported, the other fails again.
      const rerun = await manager.post(`/api/imports/${bad.id}/run`);
      expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
      const ran = (await finished(manager, rerun.body.id)) as LicencesImport;
      expect(ran).toMatchObject({ status: 'completed_with_errors', validateOnly: false, verdict: null, counts: { succeeded: 1, failed: 1 } });
      expect(await licenceCount()).toBe(before + 1);
      const [v2] = (await rowsOf(manager, ran.id)).filter((r) => r.status === 'succeeded');
      expect((await manager.delete(`/api/licences/${v2.entityId}`)).status).toBe(204);
      // The import type says so too.
      const listed = (await manager.get('/api/import-types')).body.find((t: { key: string }) => t.key === TYPE);
      expect(listed).toMatchObject({ validateOnlyByDefault: true, fileKinds: expect.arrayContaining(['txt', 'xml']) });
    });

    it('runs each action from .txt, with the row rules, one event per changed licence, and a results file of every row in each format', async () => {
      const seeded = await run(admin, 'seed.txt', licencesTxt([
        ['Add', 'L-1004', 'RN', 'T-EDIT', 'CA', '2025-01-01', '2027-01-01'],
        ['Add', 'L-1004', 'RN', 'T-DEL', 'CA', '2025-01-01', ''],
        ['Add', 'L-1006', 'CPR', '', 'NV', '2025-03-01', ''],
      ]), { validateOnly: 'false' });
      expect(seeded).toMatchObject({ status: 'completed', validateOnly: false, verdict: null, counts: { succeeded: 3 } });

      const rows: LicenceRow[] = [
        ['Add', 'L-1004', 'RN', 'T-NEW', 'TX', '2026-02-01', ''], // 2: added, expiry from the validity
        ['edit', 'lars@example.com', 'rn', 't-edit', '', '', '2028-01-01'], // 3: edited (email, any case)
        ['Delete', 'L-1004', 'RN', 'T-DEL', '', '', ''], // 4: deleted
        ['Add', 'L-1006', 'CPR', '', '', '2026-01-01', ''], // 5: exists already -> use Edit
        ['Delete', 'L-1006', 'RN', 'MISSING', '', '', ''], // 6: nothing to delete
        ['Add', 'L-1004', 'NOPE', 'X', '', '2026-01-01', ''], // 7: unknown type
        ['Add', 'L-1004', 'OLD', '', '', '2026-01-01', ''], // 8: retired type
        ['Add', 'L-1004', 'RN', '', '', '2026-01-01', ''], // 9: number required
        ['Add', 'L-1004', 'RN', 'T-DATES', '', '2026-01-01', '2025-12-31'], // 10: expiry before issue
        ['Add', 'L-1001', 'RN', 'T-OUT', '', '2026-01-01', ''], // 11: outside the manager's scope
        ['Add', 'L-9999', 'RN', 'T-OUT', '', '2026-01-01', ''], // 12: unknown user
        ['Upsert', 'L-1004', 'RN', 'T-X', '', '2026-01-01', ''], // 13: no such action
      ];
      const done = await run(manager, 'licences.txt', licencesTxt(rows), { validateOnly: 'false' });
      expect(done).toMatchObject({ status: 'completed_with_errors', validateOnly: false, counts: { total: 12, succeeded: 3, failed: 9 } });
      const outcome = Object.fromEntries((await rowsOf(manager, done.id)).map((r) => [r.rowNumber, r]));
      expect(Object.values(outcome).map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      for (const n of [2, 3, 4]) expect(outcome[n].status).toBe('succeeded');
      const code = (n: number) => outcome[n].errors.map((e) => e.code);
      expect(code(5)).toEqual(['LICENCES.IMPORT_ALREADY_EXISTS']);
      expect(outcome[5].errors[0].message).toContain('Edit');
      expect(code(6)).toEqual(['LICENCES.IMPORT_NOT_FOUND']);
      expect(code(7)).toEqual(['LICENCES.IMPORT_TYPE_UNKNOWN']);
      expect(code(8)).toEqual(['LICENCES.IMPORT_TYPE_RETIRED']);
      expect(code(9)).toEqual(['LICENCES.IMPORT_NUMBER_REQUIRED']);
      expect(code(10)).toEqual(['LICENCES.EXPIRY_BEFORE_ISSUE']);
      expect(code(11)).toEqual(['LICENCES.IMPORT_USER_NOT_FOUND']);
      // Outside scope reads exactly as unknown (apart from the value the admin typed).
      expect(outcome[11].errors[0].message.replace('L-1001', '?')).toBe(outcome[12].errors[0].message.replace('L-9999', '?'));
      expect(code(13)).toEqual(['LICENCES.IMPORT_ACTION_INVALID']);

      expect(await licencesOf('L-1004')).toEqual([
        expect.objectContaining({ type: 'RN', number: 'T-EDIT', jurisdiction: 'CA', issued_on: '2025-01-01', expires_on: '2028-01-01' }),
        expect.objectContaining({ type: 'RN', number: 'T-NEW', jurisdiction: 'TX', issued_on: '2026-02-01', expires_on: '2028-02-01' }),
      ]);
      expect(await licencesOf('L-1001')).toEqual([]);
      // One event per changed licence, once.
      expect(await events('added', done.id)).toEqual([expect.objectContaining({ number: 'T-NEW', source: 'import', typeCode: 'RN' })]);
      expect(await events('changed', done.id)).toEqual([expect.objectContaining({ number: 'T-EDIT', expiresOn: '2028-01-01' })]);
      expect(await events('removed', done.id)).toHaveLength(1);

      // The results file: every row with its outcome, as XLSX, CSV and tab-delimited text.
      const txt = await manager.get(`/api/imports/${done.id}/results-file?format=txt`);
      expect(txt.status).toBe(200);
      expect(txt.headers.get('content-type')).toContain('text/plain');
      expect(txt.headers.get('content-disposition')).toContain('licences_results.txt');
      const lines = txt.raw.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      expect(lines[0].split('\t')).toEqual(['Row', ...LICENCE_HEADER, 'Outcome', 'Errors', 'Warnings', 'Entity']);
      expect(lines).toHaveLength(13);
      expect(lines.slice(1).map((l) => l.split('\t')[0])).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13']);
      expect(lines[1].split('\t')[9]).toBe('Succeeded');
      expect(lines[4]).toContain('use Action Edit');
      const csvFile = (await manager.get(`/api/imports/${done.id}/results-file?format=csv`)).raw.toString('utf8');
      expect(csvFile.split('\r\n').filter(Boolean)).toHaveLength(13);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await manager.get(`/api/imports/${done.id}/results-file`)).raw as never);
      expect(workbook.worksheets[0].rowCount).toBe(13);
    });

    it('reads .xml in the documented schema, the same actions, and answers validation of it too', async () => {
      const rows: LicenceRow[] = [
        ['Add', 'L-1006', 'RN', 'X-1', 'NV & CA', '2026-03-01', '2026-09-01'],
        ['Edit', 'L-1006', 'CPR', '', 'UT', '', ''],
        ['Delete', 'L-1006', 'RN', 'NOT-THERE', '', '', ''],
      ];
      const checked = await run(manager, 'licences.xml', licencesXml(rows));
      expect(checked).toMatchObject({ validateOnly: true, counts: { total: 3, valid: 2, failed: 1 }, verdict: { outcome: 'errors_found' } });
      const done = await run(manager, 'licences.xml', licencesXml(rows.slice(0, 2)), { validateOnly: 'false' });
      expect(done).toMatchObject({ status: 'completed', counts: { succeeded: 2 } });
      expect(await licencesOf('L-1006')).toEqual([
        expect.objectContaining({ type: 'CPR', number: null, jurisdiction: 'UT', issued_on: '2025-03-01', expires_on: '2026-03-01' }),
        expect.objectContaining({ type: 'RN', number: 'X-1', jurisdiction: 'NV & CA', expires_on: '2026-09-01' }),
      ]);
      const results = (await manager.get(`/api/imports/${checked.id}/results-file?format=txt`)).raw.toString('utf8').split('\r\n').filter(Boolean);
      expect(results).toHaveLength(4);
      expect(results[0].split('\t').slice(1, 9)).toEqual(['Action', 'User', 'LicenceTypeCode', 'LicenceTypeName', 'LicenceNumber', 'State', 'IssueDate', 'ExpiryDate']);
    });

    it('refuses hostile XML with a clear message and reads nothing: billion laughs, an external entity to a local file, a DOCTYPE', async () => {
      const laughs = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE Licences [',
        ' <!ENTITY lol "lol">',
        ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
        ']>',
        '<Licences><Licence><Action>Add</Action><User>L-1004</User><LicenceTypeCode>CPR</LicenceTypeCode><State>&lol9;</State><IssueDate>2026-01-01</IssueDate></Licence></Licences>',
      ].join('\n');
      const external =
        '<?xml version="1.0"?>\n<!DOCTYPE Licences [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n' +
        '<Licences><Licence><Action>Add</Action><User>L-1004</User><LicenceTypeCode>CPR</LicenceTypeCode><State>&xxe;</State><IssueDate>2026-01-01</IssueDate></Licence></Licences>';
      const plain = '<?xml version="1.0"?>\n<!DOCTYPE Licences>\n<Licences><Licence><Action>Add</Action><User>L-1004</User><LicenceTypeCode>CPR</LicenceTypeCode></Licence></Licences>';
      const before = await licenceCount();
      for (const [name, text] of [['laughs.xml', laughs], ['xxe.xml', external], ['doctype.xml', plain]]) {
        for (const validateOnly of ['true', 'false']) {
          const refused = await run(manager, name, Buffer.from(text), { validateOnly });
          expect(refused.status, name).toBe('failed');
          expect(refused.failure, name).toMatchObject({ code: 'XML.DOCTYPE_REFUSED' });
          expect(refused.failure!.message).toMatch(/DOCTYPE/);
          expect(refused.counts.total, name).toBe(0);
          expect(JSON.stringify(refused)).not.toContain('root:');
          if (validateOnly === 'true') expect(refused.verdict).toMatchObject({ outcome: 'errors_found' });
          expect(await rowsOf(manager, refused.id)).toEqual([]);
        }
      }
      expect(await licenceCount()).toBe(before);
    });

    it('undoes a run: added licences go, edited ones get their values back, deleted ones return with their id', async () => {
      await run(admin, 'undo-seed.txt', licencesTxt([
        ['Add', 'L-1003', 'RN', 'U-EDIT', 'CA', '2025-01-01', '2026-06-01'],
        ['Add', 'L-1003', 'RN', 'U-DEL', 'CA', '2025-01-01', '2026-06-01'],
      ]), { validateOnly: 'false' });
      const before = await licencesOf('L-1003');
      // A clean check with a warning (an Edit that changes nothing) is still likely to succeed, and says so.
      const checked = await run(groupAdmin, 'check.txt', licencesTxt([['Edit', 'L-1003', 'RN', 'U-EDIT', 'CA', '', '']]));
      expect(checked).toMatchObject({ status: 'completed', counts: { valid: 1, withWarnings: 1 }, verdict: { outcome: 'likely_to_succeed' } });
      // The group admin reads Dutch.
      expect(checked.verdict!.message).toContain('(1 met waarschuwingen)');
      expect((await rowsOf(groupAdmin, checked.id))[0].warnings.map((w) => w.code)).toEqual(['LICENCES.IMPORT_UNCHANGED']);
      const done = await run(groupAdmin, 'undo.txt', licencesTxt([
        ['Add', 'L-1003', 'CPR', '', '', '2026-01-01', ''],
        ['Edit', 'L-1003', 'RN', 'U-EDIT', 'OR', '2025-02-01', '2027-06-01'],
        ['Delete', 'L-1003', 'RN', 'U-DEL', '', '', ''],
      ]), { validateOnly: 'false' });
      expect(done).toMatchObject({ status: 'completed', counts: { succeeded: 3 } });
      expect(await licencesOf('L-1003')).not.toEqual(before);

      const undo = await groupAdmin.post(`/api/imports/${done.id}/undo`);
      expect(undo.status, JSON.stringify(undo.body)).toBe(202);
      const undone = (await finished(groupAdmin, undo.body.id)) as LicencesImport;
      expect(undone).toMatchObject({ status: 'completed', mode: 'undo', counts: { succeeded: 3 } });
      expect(await licencesOf('L-1003')).toEqual(before);
      expect(await events('removed', undo.body.id)).toHaveLength(1);
      expect(await events('changed', undo.body.id)).toEqual([expect.objectContaining({ number: 'U-EDIT', jurisdiction: 'CA', expiresOn: '2026-06-01' })]);
      expect(await events('added', undo.body.id)).toEqual([expect.objectContaining({ number: 'U-DEL', licenceId: before.find((l) => l.number === 'U-DEL')!.id })]);
    });
  });

  describe('export of available licences', () => {
    it('gives the import file itself (txt and xml), one example row per active type; re-imported, it is read as is and imports once filled in', async () => {
      const activeTypes = ((await admin.get('/api/licence-types?status=active')).body as { code: string; name: string }[]).map((t) => t.code);
      const txt = await manager.get('/api/licence-types/export?format=txt');
      expect(txt.status).toBe(200);
      expect(txt.headers.get('content-disposition')).toContain('available_licences.txt');
      const lines = txt.raw.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      expect(lines[0].split('\t')).toEqual(LICENCE_HEADER);
      expect(lines.slice(1).map((l) => l.split('\t')[2])).toEqual(activeTypes);
      expect(lines.slice(1).every((l) => l.startsWith('Add\t'))).toBe(true);

      const xml = await manager.get('/api/licence-types/export?format=xml');
      expect(xml.headers.get('content-type')).toContain('application/xml');
      const xmlText = xml.raw.toString('utf8');
      expect(xmlText).toContain('<Licences>');
      expect(xmlText).toContain('Actions: Add, Edit, Delete');
      expect(xmlText.match(/^\s*<Licence>$/gm)).toHaveLength(activeTypes.length);
      // The engine's template of the type: the same header as tab-delimited text, and notes in the XLSX.
      const template = await manager.get(`/api/import-types/${TYPE}/template?format=txt`);
      expect(template.headers.get('content-disposition')).toContain('licences_template.txt');
      expect(template.raw.toString('utf8').replace(/^\uFEFF/, '').split('\r\n')[0].split('\t')).toEqual(LICENCE_HEADER);
      const instructions = await manager.get('/api/licence-types/export/instructions');
      expect(instructions.body).toContain('YYYY-MM-DD');

      // As exported: every row read, and each fails only for what is left to fill in.
      for (const [name, content] of [['available_licences.txt', txt.raw], ['available_licences.xml', xml.raw]] as const) {
        const checked = await run(manager, name, content);
        expect(checked).toMatchObject({ status: 'completed_with_errors', counts: { total: activeTypes.length, failed: activeTypes.length } });
        const codes = new Set((await rowsOf(manager, checked.id)).flatMap((r) => r.errors.map((e) => e.code)));
        // (a number only where the type requires one: RN, and the demo types that do)
        expect(codes).toEqual(new Set(['LICENCES.IMPORT_USER_REQUIRED', 'LICENCES.IMPORT_ISSUE_DATE_REQUIRED', 'LICENCES.IMPORT_NUMBER_REQUIRED']));
      }

      // Filled in (user, a number, an issue date), the exported file imports: txt for Lotte, xml for Lars.
      const filledTxt = lines
        .map((line, i) => (i === 0 ? line : line.split('\t').map((cell, c) => (c === 1 ? 'L-1006' : c === 4 ? `EXP-T-${i}` : c === 6 ? '2026-01-05' : cell)).join('\t')))
        .join('\r\n');
      const doneTxt = await run(manager, 'filled.txt', Buffer.from(filledTxt), { validateOnly: 'false' });
      expect(doneTxt).toMatchObject({ status: 'completed', counts: { succeeded: activeTypes.length } });
      let n = 0;
      const filledXml = xmlText
        .replace(/<User><\/User>/g, '<User>lars@example.com</User>')
        .replace(/<LicenceNumber><\/LicenceNumber>/g, () => `<LicenceNumber>EXP-X-${++n}</LicenceNumber>`)
        .replace(/<IssueDate><\/IssueDate>/g, '<IssueDate>2026-01-05</IssueDate>');
      const doneXml = await run(manager, 'filled.xml', Buffer.from(filledXml), { validateOnly: 'false' });
      expect(doneXml).toMatchObject({ status: 'completed', counts: { succeeded: activeTypes.length } });
    });
  });

  describe('reporting', () => {
    it('counts licences expiring in the next 30, 60 and 90 days per type, from the events, in the caller scope', async () => {
      // A type of its own: licences the earlier tests left (RN with fixed 2028 dates) would come within 90
      // days from 2027-10 and change the counts. Dates are relative to the server's today, read once.
      const created = await admin.post('/api/licence-types', { code: 'REP', name: 'Report check', numberRequired: true });
      expect(created.status).toBe(201);
      const todayBefore = today();
      const asOf = (await admin.get('/api/reports/licences-expiring')).body.asOf as string;
      expect([todayBefore, today()]).toContain(asOf);
      // Days well away from the 30/60/90 boundaries: a midnight passing during the test moves nothing across.
      const daysFromAsOf = (days: number) => new Date(Date.parse(`${asOf}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
      const ids: string[] = [];
      for (const [user, days, number] of [['L-1001', 10, 'R-1'], ['L-1002', 45, 'R-2'], ['L-1003', 80, 'R-3'], ['L-1005', 20, 'R-4'], ['L-1001', 200, 'R-5']] as const) {
        const added = await admin.post('/api/licences', { userId: users[user], typeCode: 'REP', number: number, issuedOn: '2025-01-01', expiresOn: daysFromAsOf(days) });
        expect(added.status).toBe(201);
        ids.push(added.body.id);
      }
      const rnOf = async (http: Http) => ((await http.get('/api/reports/licences-expiring?typeCode=REP')).body.types as { typeCode: string; within90Days: number }[]).find((t) => t.typeCode === 'REP');
      // The platform admin sees every user: REP has no licences but these.
      await eventually(async () => (await rnOf(admin))?.within90Days === 4);
      expect(await rnOf(admin)).toMatchObject({ within30Days: 2, within60Days: 3, within90Days: 4 });
      // The group admin sees Operations and Warehouse (Lena, Liam, Lucy), not Leo (L-1005).
      expect(await rnOf(groupAdmin)).toMatchObject({ within30Days: 1, within60Days: 2, within90Days: 3 });
      // A change and a removal move the counts.
      await admin.patch(`/api/licences/${ids[0]}`, { expiresOn: daysFromAsOf(300) });
      await admin.delete(`/api/licences/${ids[1]}`);
      await eventually(async () => (await rnOf(groupAdmin))?.within90Days === 1);
      expect(await rnOf(groupAdmin)).toMatchObject({ within30Days: 0, within60Days: 0, within90Days: 1 });

      // Late and repeated events change nothing: an Added of the removed licence (older version) and the
      // Changed of the first one delivered again, each as a new outbox message.
      const [added] = (await events('added')).filter((e) => e.licenceId === ids[1]);
      const [changed] = (await events('changed')).filter((e) => e.licenceId === ids[0]);
      for (const [type, payload, consumer] of [['added', added, 'reporting.licences.added'], ['changed', changed, 'reporting.licences.changed']] as const) {
        const [{ id }] = await app.sql<{ id: string }>(
          `insert into outbox_messages (id, event_type, payload, occurred_at) values (gen_random_uuid(), $1, $2::jsonb, now()) returning id`,
          [`licences.licence-${type}.v1`, JSON.stringify(payload)],
        );
        await eventually(async () => (await app.sql(`select 1 from processed_events where consumer = $1 and event_id = $2`, [consumer, id])).length > 0);
      }
      expect(await rnOf(groupAdmin)).toMatchObject({ within30Days: 0, within60Days: 0, within90Days: 1 });
      expect(await rnOf(admin)).toMatchObject({ within30Days: 1, within60Days: 1, within90Days: 2 });
      expect((await manager.get('/api/reports/licences-expiring')).status).toBe(403);
      const from = today();
      const answered = (await admin.get('/api/reports/licences-expiring')).body.asOf;
      expect([from, today()]).toContain(answered);
    });
  });
  describe('review fixes', () => {
    // Own type, licences without expiry: nothing here moves the expiring report of the tests above.
    let fixType: string;
    beforeAll(async () => {
      const created = await admin.post('/api/licence-types', { code: 'FIX', name: 'Fix checks', numberRequired: false });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      fixType = created.body.id;
    });

    it('fails a row whose User cell is constructor or __proto__ as an unknown user, and its Action cell as invalid', async () => {
      const checked = await run(admin, 'proto.txt', licencesTxt([
        ['Add', 'constructor', 'FIX', 'P-1', '', '2026-01-01', ''],
        ['Add', '__proto__', 'FIX', 'P-2', '', '2026-01-01', ''],
        ['constructor', 'L-1004', 'FIX', 'P-3', '', '2026-01-01', ''],
        ['__proto__', 'L-1004', 'FIX', 'P-4', '', '2026-01-01', ''],
      ]));
      expect(checked).toMatchObject({ status: 'completed_with_errors', verdict: { outcome: 'errors_found' } });
      const rows = await rowsOf(admin, checked.id);
      expect(rows.map((r) => r.errors.map((e) => e.code))).toEqual([
        ['LICENCES.IMPORT_USER_NOT_FOUND'],
        ['LICENCES.IMPORT_USER_NOT_FOUND'],
        ['LICENCES.IMPORT_ACTION_INVALID'],
        ['LICENCES.IMPORT_ACTION_INVALID'],
      ]);
    });

    it('shows the organisation-wide count of licences per type only to who manages the types', async () => {
      const listed = (await manager.get('/api/licence-types')).body as Record<string, unknown>[];
      expect(listed.length).toBeGreaterThan(0);
      for (const type of listed) expect(type).not.toHaveProperty('licences');
      expect((await groupAdmin.get(`/api/licence-types/${types.RN}`)).body).not.toHaveProperty('licences');
      expect((await manager.get(`/api/licence-types/${types.RN}`)).body).toMatchObject({ code: 'RN' });
      expect((await admin.get(`/api/licence-types/${types.RN}`)).body.licences).toEqual(expect.any(Number));
      expect(((await admin.get('/api/licence-types')).body as Record<string, unknown>[]).every((t) => typeof t.licences === 'number')).toBe(true);
    });

    it('keeps supervisors from managing their own licences: REST, list and import treat them as out of scope (undo goes through the same LicenceAccess)', async () => {
      const [me] = await app.sql<{ id: string }>(`select id from users where email = 'manager@example.com'`);
      const own = await manager.post('/api/licences', { userId: me.id, typeId: fixType, number: 'SELF-1', issuedOn: '2026-01-01' });
      expect(own.status).toBe(404);
      const byAdmin = await admin.post('/api/licences', { userId: me.id, typeId: fixType, number: 'SELF-2', issuedOn: '2026-01-01' });
      expect(byAdmin.status).toBe(201);
      const id = byAdmin.body.id;
      expect((await manager.get(`/api/licences/${id}`)).status).toBe(404);
      expect((await manager.patch(`/api/licences/${id}`, { jurisdiction: 'NY' })).status).toBe(404);
      expect((await manager.delete(`/api/licences/${id}`)).status).toBe(404);
      expect(((await manager.get(`/api/licences?typeId=${fixType}&pageSize=500`)).body.items as { id: string }[]).map((l) => l.id)).not.toContain(id);
      const imported = await run(manager, 'self.txt', licencesTxt([
        ['Add', 'manager@example.com', 'FIX', 'SELF-3', '', '2026-01-01', ''],
        ['Delete', 'manager@example.com', 'FIX', 'SELF-2', '', '', ''],
      ]), { validateOnly: 'false' });
      expect((await rowsOf(manager, imported.id)).map((r) => r.errors.map((e) => e.code))).toEqual([['LICENCES.IMPORT_USER_NOT_FOUND'], ['LICENCES.IMPORT_USER_NOT_FOUND']]);
      expect((await admin.get(`/api/licences/${id}`)).status).toBe(200);
    });

    it('refuses control characters and dates outside 1900-2999 by REST; the XML export drops characters XML cannot hold', async () => {
      const nul = await admin.post('/api/licence-types', { code: 'NUL', name: 'Bad\u0000name' });
      expect(nul.status).toBe(400);
      expect(nul.body).toMatchObject({ code: 'LICENCES.CONTROL_CHARACTERS', params: { field: 'name' } });
      expect((await admin.patch(`/api/licence-types/${fixType}`, { issuingBody: 'Bo\tard' })).body.code).toBe('LICENCES.CONTROL_CHARACTERS');
      const base = { userId: users['L-1002'], typeId: fixType, issuedOn: '2026-01-01' };
      expect((await admin.post('/api/licences', { ...base, number: 'N\u0000' })).body.code).toBe('LICENCES.NUMBER_INVALID');
      expect((await admin.post('/api/licences', { ...base, number: 'C-1', jurisdiction: 'C\u0000A' })).body.code).toBe('LICENCES.CONTROL_CHARACTERS');
      expect((await admin.post('/api/licences', { ...base, number: 'C-1', issuedOn: '0001-01-01' })).status).toBe(400);
      expect((await admin.post('/api/licences', { ...base, number: 'C-1', expiresOn: '3000-01-01' })).status).toBe(400);
      expect((await admin.post('/api/licences', { ...base, number: 'C-1', issuedOn: '1900-01-01', expiresOn: '2999-12-31' })).status).toBe(201);
      // A type name stored before these checks (written in SQL here) must not make the XML export unreadable.
      const [old] = await app.sql<{ id: string }>(`insert into licence_types (id, code, name, number_required, status) values (gen_random_uuid(), 'CTRL', 'Old' || chr(1) || 'name', false, 'active') returning id`);
      const xml = await admin.get('/api/licence-types/export?format=xml');
      expect(xml.status).toBe(200);
      expect(xml.raw.toString('utf8')).toContain('<LicenceTypeName>Oldname</LicenceTypeName>');
      expect([...xml.raw].filter((byte) => byte < 0x09)).toEqual([]);
      await app.sql(`delete from licence_types where id = $1`, [old.id]);
    });

    it('matches licence numbers as PostgreSQL lower-cases them (Greek final sigma, Turkish dotted I), like the unique index', async () => {
      for (const number of ['ΟΔΟΣ', 'İX']) {
        expect((await admin.post('/api/licences', { userId: users['L-1003'], typeId: fixType, number, issuedOn: '2026-01-01' })).status).toBe(201);
      }
      const done = await run(admin, 'lower.txt', licencesTxt([
        ['Edit', 'L-1003', 'FIX', 'ΟΔΟΣ', 'GR', '', ''],
        ['Add', 'L-1003', 'FIX', 'İX', '', '2026-01-01', ''],
      ]), { validateOnly: 'false' });
      expect((await rowsOf(admin, done.id)).map((r) => [r.status, r.errors.map((e) => e.code)])).toEqual([
        ['succeeded', []],
        ['failed', ['LICENCES.IMPORT_ALREADY_EXISTS']],
      ]);
      const deleted = await run(admin, 'lower-delete.txt', licencesTxt([['Delete', 'L-1003', 'FIX', 'İX', '', '', '']]), { validateOnly: 'false' });
      expect(deleted).toMatchObject({ counts: { succeeded: 1 } });
      const left = await app.sql<{ number: string; jurisdiction: string | null }>(`select number, jurisdiction from user_licences where user_id = $1 and type_id = $2 order by number`, [users['L-1003'], fixType]);
      expect(left).toEqual([{ number: 'ΟΔΟΣ', jurisdiction: 'GR' }]);
    });

    it('fails every row of a licence given twice in one file (number without case), across chunks, also when validating', async () => {
      expect((await admin.post('/api/licences', { userId: users['L-1004'], typeId: fixType, number: 'K-1', jurisdiction: 'CA', issuedOn: '2026-01-01' })).status).toBe(201);
      const twice = licencesTxt([
        ['Edit', 'L-1004', 'FIX', 'K-1', 'NY', '', ''], // 2
        ['Add', 'L-1004', 'FIX', '', '', '2026-01-01', ''], // 3: no number
        ['Add', 'L-1006', 'FIX', 'K-2', '', '2026-01-01', ''], // 4: fine
        ['Delete', 'l-1004', 'fix', 'k-1', '', '', ''], // 5: the licence of row 2 again (another chunk)
        ['Delete', 'L-1004', 'FIX', '', '', '', ''], // 6: the licence of row 3 again
      ]);
      for (const validateOnly of ['true', 'false']) {
        const done = await run(admin, 'twice.txt', twice, { validateOnly });
        if (validateOnly === 'true') expect(done.verdict).toMatchObject({ outcome: 'errors_found' });
        const rows = await rowsOf(admin, done.id);
        expect(rows.map((r) => [r.rowNumber, r.status, r.errors.map((e) => [e.code, (e as { params?: Record<string, unknown> }).params?.rows])])).toEqual([
          [2, 'failed', [['IMPORTS.DUPLICATE_COMPOSITE_KEY', '5']]],
          [3, 'failed', [['IMPORTS.DUPLICATE_COMPOSITE_KEY', '6']]],
          [4, validateOnly === 'true' ? 'valid' : 'succeeded', []],
          [5, 'failed', [['IMPORTS.DUPLICATE_COMPOSITE_KEY', '2']]],
          [6, 'failed', [['IMPORTS.DUPLICATE_COMPOSITE_KEY', '3']]],
        ]);
      }
    });

    it('fails a licence touched again in another chunk when the User cell names the same user another way (code, then email), and undo restores the state before the import', async () => {
      // Chunks may run at once and in any order: whichever of rows 2 and 5 comes second waits on the first's
      // row lock, then finds the licence touched by this import and fails. Without the check both succeed.
      expect((await admin.post('/api/licences', { userId: users['L-1006'], typeId: fixType, number: 'W-1', jurisdiction: 'CA', issuedOn: '2026-01-01' })).status).toBe(201);
      const state = () => app.sql<{ number: string | null; jurisdiction: string | null }>(`select number, jurisdiction from user_licences where user_id = $1 and type_id = $2 and (number is null or number like 'W-%') order by number nulls last`, [users['L-1006'], fixType]);
      const before = await state();
      const mixed = await run(admin, 'mixed.txt', licencesTxt([
        ['Edit', 'L-1006', 'FIX', 'W-1', 'TX', '', ''], // 2
        ['Add', 'L-1006', 'FIX', 'W-2', '', '2026-01-01', ''], // 3
        ['Add', 'L-1006', 'FIX', 'W-3', '', '2026-01-01', ''], // 4
        ['Edit', 'lotte@example.com', 'FIX', 'W-1', 'NY', '', ''], // 5: chunk 2, the licence of row 2
      ]), { validateOnly: 'false' });
      const rows = await rowsOf(admin, mixed.id);
      const [first, second] = rows.filter((r) => r.rowNumber === 2 || r.rowNumber === 5).sort((x, y) => (x.status === 'succeeded' ? -1 : 1) - (y.status === 'succeeded' ? -1 : 1));
      expect(first).toMatchObject({ status: 'succeeded', errors: [] });
      expect(second).toMatchObject({ status: 'failed', errors: [{ code: 'LICENCES.IMPORT_SAME_LICENCE_TWICE', params: { row: first.rowNumber } }] });
      expect(rows.filter((r) => r.rowNumber === 3 || r.rowNumber === 4).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      // What the import recorded as touched goes once it has ended: only its own chunks read it, undo does not.
      const touches = async () => Number((await app.sql<{ n: string }>(`select count(*) as n from user_licence_import_touches where import_id = $1`, [mixed.id]))[0].n);
      await eventually(async () => (await touches()) === 0);
      const undo = await admin.post(`/api/imports/${mixed.id}/undo`);
      expect(undo.status).toBe(202);
      expect(await finished(admin, undo.body.id)).toMatchObject({ status: 'completed', counts: { succeeded: 3 } });
      expect(await state()).toEqual(before);
    });

    it('lets a failed row leave its licence to a later row of the same chunk (same user by code, then by email)', async () => {
      expect((await admin.post('/api/licences', { userId: users['L-1006'], typeId: fixType, number: 'V-1', jurisdiction: 'CA', issuedOn: '2026-01-01' })).status).toBe(201);
      const done = await run(admin, 'corrected.txt', licencesTxt([
        ['Edit', 'L-1006', 'FIX', 'V-1', 'NY', 'not a date', ''], // 2: fails
        ['Edit', 'lotte@example.com', 'FIX', 'V-1', 'NY', '', ''], // 3: the corrected row
      ]), { validateOnly: 'false' });
      expect((await rowsOf(admin, done.id)).map((r) => [r.status, r.errors.map((e) => e.code)])).toEqual([
        ['failed', ['LICENCES.IMPORT_DATE_INVALID']],
        ['succeeded', []],
      ]);
    });

    it('gives the real total on a page past the last', async () => {
      for (const number of ['T-1', 'T-2', 'T-3']) {
        expect((await admin.post('/api/licences', { userId: users['L-1005'], typeId: fixType, number, issuedOn: '2026-01-01' })).status).toBe(201);
      }
      const page = (await admin.get(`/api/licences?typeId=${fixType}&userId=${users['L-1005']}&pageSize=2&page=5`)).body;
      expect(page).toMatchObject({ items: [], meta: { total: 3 } });
      expect((await admin.get(`/api/licences?typeId=${fixType}&userId=${users['L-1005']}&pageSize=2&page=2`)).body.meta.total).toBe(3);
    });
  });
});
