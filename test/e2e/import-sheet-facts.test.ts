import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, pdf, zip } from '../support/files.js';
import { eventually, Http } from '../support/http.js';
import { finished, reached, rowsOf, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * What an XLSX says besides its values (formulas without a saved result, hidden rows, merged cells),
 * old .xls files, import types switched off by a platform setting, and the settings REST, through HTTP.
 * Driven with the test-only type `test-records` (columns Code, Name, Amount; IMPORT_TEST_TYPES=true),
 * switched on and off by its test-only platform setting.
 */
const TYPE = 'test-records';
const SWITCH = 'testing.test-records-import';
const OLE2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1024, 0)]);

/** As someone saves it from Excel: date cells, text dates, formulas with and without a saved result, a hidden row, merged cells. */
async function workbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Records');
  sheet.addRow(['Code', 'Name', 'Amount']);
  sheet.addRow(['F-1', new Date(Date.UTC(2024, 2, 1)), { formula: '40+2', result: 42 }]); // 2
  sheet.addRow(['F-2', '01-03-2024', { formula: 'C2*2' }]); // 3: never recalculated
  sheet.addRow(['F-3', 'Hidden', 5]); // 4
  sheet.getRow(4).hidden = true;
  sheet.addRow(['F-4', 'Shared name', 7]); // 5
  sheet.addRow(['F-5', null, 8]); // 6: B5:B6 merged, so its Name reads empty
  sheet.addRow(['F-6', 'Wide', null]); // 7: B7:C7 merged, so its Amount reads empty
  sheet.mergeCells('B5:B6');
  sheet.mergeCells('B7:C7');
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('sheet facts, old Excel files and switched-off import types', () => {
  let app: TestApp;
  let admin: Http;
  let adminId: string;

  const setSwitch = async (value: unknown) => admin.put(`/api/settings/${SWITCH}`, { value });

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_TEST_TYPES: 'true', IMPORT_CHUNK_SIZE: '3' } });
    admin = await new Http(app.url).login('admin@example.com');
    [{ id: adminId }] = await app.sql<{ id: string }>(`select id from users where email = 'admin@example.com'`);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('turns formulas without a value into row errors and hidden rows and merged cells into warnings, on the right rows and columns, through preview, validation, run and the results file', async () => {
    const id = await startImport(admin, TYPE, 'facts.xlsx', await workbook(), { autoConfirm: 'false' });
    const waiting = await reached(admin, id, 'awaiting_mapping');
    expect((waiting.preview as { headers: string[] }).headers).toEqual(['Code', 'Name', 'Amount']);
    const mapped = await admin.put(`/api/imports/${id}/mapping`, { mapping: { Code: 'code', Name: 'name', Amount: 'amount' }, options: {} });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    const validated = await reached(admin, id, 'awaiting_confirmation');
    expect(validated.counts).toMatchObject({ total: 6, valid: 5, failed: 1, withWarnings: 3 });
    const groups = (validated.validation as { warningGroups: { code: string; rows: number }[] }).warningGroups;
    expect(groups).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'IMPORTS.HIDDEN_ROW', rows: 1 }), expect.objectContaining({ code: 'IMPORTS.MERGED_CELL', rows: 2 })]));
    expect((await admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: [] })).status).toBe(202);
    const done = await finished(admin, id);
    expect(done.status).toBe('completed_with_errors');
    expect(done.counts).toMatchObject({ total: 6, succeeded: 5, failed: 1, withWarnings: 3 });
    // Read twice, once for the preview and once for staging: the merged ranges come from the staging read.
    expect(await app.sql(`select parse_starts from imports where id = $1`, [id])).toEqual([{ parse_starts: 2 }]);

    const rows = new Map((await rowsOf(admin, id)).map((row) => [row.rowNumber, row]));
    // Date cells come as YYYY-MM-DD, text dates as typed, a saved formula result as its value.
    expect(rows.get(2)).toMatchObject({ status: 'succeeded', errors: [], warnings: [], values: { Code: 'F-1', Name: '2024-03-01', Amount: '42' } });
    expect(rows.get(3)).toMatchObject({ status: 'failed', values: { Name: '01-03-2024', Amount: '' } });
    expect(rows.get(3)!.errors).toEqual([
      expect.objectContaining({
        code: 'IMPORTS.FORMULA_WITHOUT_VALUE',
        column: 'amount',
        message: 'Amount holds a formula whose result was never saved in the file, so its value is unknown. Recalculate and save the file in Excel, or paste the values (Paste Special > Values).',
      }),
    ]);
    expect(rows.get(4)).toMatchObject({ status: 'succeeded', errors: [], warnings: [expect.objectContaining({ code: 'IMPORTS.HIDDEN_ROW' })] });
    expect(rows.get(5)).toMatchObject({ status: 'succeeded', warnings: [] });
    expect(rows.get(6)).toMatchObject({ status: 'succeeded', values: { Name: '' }, warnings: [expect.objectContaining({ code: 'IMPORTS.MERGED_CELL', column: 'name' })] });
    expect(rows.get(6)!.warnings[0].message).toMatch(/^Merged cells in Name: only the first cell/);
    expect(rows.get(7)).toMatchObject({ status: 'succeeded', values: { Name: 'Wide', Amount: '' }, warnings: [expect.objectContaining({ code: 'IMPORTS.MERGED_CELL', column: 'amount' })] });

    const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${id}/rows?outcome=failed`);
    expect(dutch.body.items[0].errors[0].message).toContain('Amount bevat een formule');
    const results = (await admin.get(`/api/imports/${id}/results-file?format=csv`)).raw.toString('utf8').slice(1).split('\r\n');
    expect(results[0]).toBe('Row,Code,Name,Amount,Outcome,Errors,Warnings,Entity');
    expect(results.find((line) => line.startsWith('3,'))).toContain('formula whose result was never saved');
    expect(results.find((line) => line.startsWith('4,'))).toContain('This row is hidden in the sheet');
  });

  it('refuses an old Excel 97-2003 file at upload, by its name or its bytes, saying how to save it, and stores nothing', async () => {
    const [{ before }] = await app.sql<{ before: string }>(`select count(*)::text as before from imports`);
    for (const fileName of ['old.xls', 'renamed.xlsx', 'renamed.csv']) {
      const refused = await admin.upload('/api/imports', { type: TYPE }, [{ field: 'file', fileName, content: OLE2 }]);
      expect([refused.status, refused.body.code]).toEqual([415, 'IMPORTS.LEGACY_XLS']);
      expect(refused.body.detail).toContain('save it as .xlsx or .csv (File > Save As)');
    }
    const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).upload('/api/imports', { type: TYPE }, [{ field: 'file', fileName: 'oud.xls', content: OLE2 }]);
    expect(dutch.body.detail).toContain('sla hem op als .xlsx of .csv (Bestand > Opslaan als)');
    expect(await app.sql(`select count(*)::text as before from imports`)).toEqual([{ before }]);
  });

  it('fails a ZIP import whose sheet is an old .xls with the same message', async () => {
    const archive = await zip([
      { name: 'certificates.xls', content: OLE2 },
      { name: 'a.pdf', content: pdf('a') },
    ]);
    const id = await startImport(admin, 'obtained-certificates-with-files', 'bundle.zip', archive);
    const ended = await finished(admin, id);
    expect(ended.status).toBe('failed');
    expect(ended.failure).toMatchObject({ code: 'IMPORTS.LEGACY_XLS', params: { fileName: 'certificates.xls' } });
  });

  it('hides a switched-off type and refuses its template, upload, mapping, confirm and undo with 403, keeps its imports readable, and works again when on', async () => {
    const file = csv(['Code', 'Name', 'Amount'], [['S-1', 'one', '1']]);
    const waitingForMapping = await startImport(admin, TYPE, 'mapping.csv', file, { autoConfirm: 'false' });
    await reached(admin, waitingForMapping, 'awaiting_mapping');
    const waitingForConfirm = await startImport(admin, TYPE, 'confirm.csv', csv(['Code', 'Name', 'Amount'], [['S-2', 'two', '2']]), { autoConfirm: 'false' });
    await reached(admin, waitingForConfirm, 'awaiting_mapping');
    expect((await admin.put(`/api/imports/${waitingForConfirm}/mapping`, { mapping: { Code: 'code', Name: 'name', Amount: 'amount' }, options: {} })).status).toBe(200);
    await reached(admin, waitingForConfirm, 'awaiting_confirmation');
    const done = await startImport(admin, TYPE, 'done.csv', csv(['Code', 'Name', 'Amount'], [['S-3', 'three', '3']]));
    expect((await finished(admin, done)).status).toBe('completed');

    expect((await setSwitch(false)).status).toBe(200);
    const types = await admin.get<{ key: string }[]>('/api/import-types');
    expect(types.body.map((type) => type.key)).not.toContain(TYPE);
    expect(types.body.length).toBeGreaterThan(0);
    const refusals = [
      await admin.get(`/api/import-types/${TYPE}/template`),
      await admin.upload('/api/imports', { type: TYPE, autoConfirm: 'true' }, [{ field: 'file', fileName: 'off.csv', content: file }]),
      await admin.put(`/api/imports/${waitingForMapping}/mapping`, { mapping: { Code: 'code', Name: 'name', Amount: 'amount' }, options: {} }),
      await admin.post(`/api/imports/${waitingForConfirm}/confirm`, { acknowledgedWarnings: [] }),
      await admin.post(`/api/imports/${done}/undo`, {}),
    ];
    for (const refused of refusals) {
      expect([refused.status, refused.body.code], JSON.stringify(refused.body)).toEqual([403, 'IMPORTS.TYPE_SWITCHED_OFF']);
      expect(refused.body.detail).toContain('A platform administrator can switch it on');
    }
    // Nothing moved, and what was made with the type stays readable.
    expect((await admin.get(`/api/imports/${waitingForMapping}`)).body.status).toBe('awaiting_mapping');
    expect((await admin.get(`/api/imports/${waitingForConfirm}`)).body.status).toBe('awaiting_confirmation');
    expect((await admin.get(`/api/imports/${done}`)).status).toBe(200);
    expect((await admin.get(`/api/imports/${done}/rows`)).status).toBe(200);
    expect((await admin.get(`/api/imports/${done}/results-file?format=csv`)).status).toBe(200);
    expect((await admin.get(`/api/imports?type=${TYPE}`)).body.items.map((item: { id: string }) => item.id)).toContain(done);

    expect((await setSwitch(true)).status).toBe(200);
    expect((await admin.get<{ key: string }[]>('/api/import-types')).body.map((type) => type.key)).toContain(TYPE);
    expect((await admin.get(`/api/import-types/${TYPE}/template`)).status).toBe(200);
    expect((await admin.post(`/api/imports/${waitingForConfirm}/confirm`, { acknowledgedWarnings: [] })).status).toBe(202);
    expect((await finished(admin, waitingForConfirm)).status).toBe('completed');
  });

  it('fails an import whose type is switched off while its chunks run, with the same code', async () => {
    // Two thousand chunks of 3 rows: switched off once the first are validated, long before the last.
    const many = csv(['Code', 'Name', 'Amount'], Array.from({ length: 6000 }, (_, i) => [`M-${i}`, `row ${i}`, '1']));
    const id = await startImport(admin, TYPE, 'many.csv', many, { autoConfirm: 'false' });
    await reached(admin, id, 'awaiting_mapping');
    expect((await admin.put(`/api/imports/${id}/mapping`, { mapping: { Code: 'code', Name: 'name', Amount: 'amount' }, options: {} })).status).toBe(200);
    await eventually(async () => (await admin.get(`/api/imports/${id}`)).body.counts.validated > 0, 30_000, 20);
    expect((await setSwitch(false)).status).toBe(200);
    try {
      const ended = await finished(admin, id);
      expect(ended.status).toBe('failed');
      expect(ended.failure).toMatchObject({ code: 'IMPORTS.TYPE_SWITCHED_OFF' });
      expect(ended.counts.validated).toBeGreaterThan(0);
      expect(ended.counts.validated).toBeLessThan(6000);
    } finally {
      expect((await setSwitch(true)).status).toBe(200);
    }
  });

  describe('platform settings REST', () => {
    it('lists the settings, sets one with an audit of who changed it from what and when, and refuses invalid values, unknown keys and group admins', async () => {
      const listed = await admin.get('/api/settings');
      expect(listed.status).toBe(200);
      const setting = listed.body.items.find((item: { key: string }) => item.key === SWITCH);
      expect(setting).toMatchObject({ key: SWITCH, value: true, defaultValue: true });

      const before = Date.now() - 1000;
      const off = await setSwitch(false);
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ key: SWITCH, value: false, updatedBy: adminId });
      expect((await setSwitch(true)).body).toMatchObject({ value: true, updatedBy: adminId });
      const history = await admin.get(`/api/settings/history?key=${SWITCH}`);
      expect(history.status).toBe(200);
      // Newest first; the tests above switched it too, each change from the value before.
      const [latest, previous] = history.body.items;
      expect(latest).toMatchObject({ key: SWITCH, oldValue: false, newValue: true, changedBy: adminId });
      expect(previous).toMatchObject({ key: SWITCH, oldValue: true, newValue: false, changedBy: adminId });
      expect(Date.parse(latest.changedAt)).toBeGreaterThanOrEqual(before);
      for (const [newer, older] of history.body.items.slice(0, -1).map((item: unknown, i: number) => [item, history.body.items[i + 1]])) {
        expect(newer.oldValue).toEqual(older.newValue);
      }
      expect(history.body.items.at(-1).oldValue).toBeNull();

      const invalid = await setSwitch('yes');
      expect([invalid.status, invalid.body.code]).toEqual([400, 'SETTINGS.VALUE_INVALID']);
      const unknown = await admin.put('/api/settings/no.such-setting', { value: true });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'SETTINGS.UNKNOWN_SETTING']);
      expect((await admin.get(`/api/settings/history?key=${SWITCH}`)).body.items).toHaveLength(history.body.items.length);

      const groupAdmin = await new Http(app.url).login('groupadmin@example.com');
      for (const response of [await groupAdmin.get('/api/settings'), await groupAdmin.get('/api/settings/history'), await groupAdmin.put(`/api/settings/${SWITCH}`, { value: false })]) {
        expect(response.status).toBe(403);
      }
      await eventually(async () => (await admin.get('/api/settings')).body.items.find((item: { key: string }) => item.key === SWITCH)?.value === true);
    });
  });
});
