import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, reached, rowsOf, startImport, type ImportBody } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The staged import flow end to end (preview, mapping, validation, confirmation, run, cancel, expiry),
 * driven through the test-only import type `test-records` (IMPORT_TEST_TYPES=true): it has an options
 * schema and a scope check, a warning to confirm (amount > 100), an import-level budget check, a unique
 * key column, and accepts csv, xlsx, txt and xml. It writes nothing.
 *
 * One app for all: chunks of 3 rows (so a file spans several chunks), waiting imports expire after an
 * hour and the reaper looks every 500 ms (a test moves status_changed_at back to make one expire).
 */
const TYPE = 'test-records';
const HEADER = ['Code', 'Name', 'Amount'];

interface Suggestion {
  header: string;
  index: number;
  key: string | null;
  confidence: number;
  reason: string;
}

interface StagedImport extends ImportBody {
  preview: {
    headers: string[];
    sampleRows: unknown[];
    suggestions: Suggestion[];
    columns: { key: string; header: string; mandatory: boolean }[];
    unmappedMandatory: string[];
    warnings: { code: string; message: string; params?: Record<string, unknown> }[];
  } | null;
  validation: {
    warningGroups: { code: string; message: string; rows: number; needsConfirmation: boolean }[];
    toConfirm: string[];
    checkProblems: { code: string; message: string; params?: Record<string, unknown> }[];
  } | null;
  expiresAt: string | null;
  mapping: Record<string, string | null> | null;
  options: Record<string, unknown> | null;
}

describe('staged imports (test-records)', () => {
  let app: TestApp;
  let admin: Http;
  let lena: Http;

  beforeAll(async () => {
    app = await startTestApp({
      env: { IMPORT_TEST_TYPES: 'true', IMPORT_CHUNK_SIZE: '3', IMPORT_WAITING_EXPIRY_HOURS: '1', IMPORT_REAPER_INTERVAL_MS: '500' },
    });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    // A second admin who may run the test type (its permission is operations.manage).
    const role = await admin.post('/api/roles', { key: 'test-operator', name: 'Test operator', permissions: ['operations.manage'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const [{ id: lenaId }] = await app.sql<{ id: string }>(`select id from users where email = 'lena@example.com'`);
    const assigned = await admin.put(`/api/users/${lenaId}/roles`, { roleKeys: ['learner', 'test-operator'] });
    expect(assigned.status, JSON.stringify(assigned.body)).toBeLessThan(300);
    lena = await http.login('lena@example.com');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets only the admin who started an import set its mapping or confirm it; another admin who sees everything may cancel it', async () => {
    const role = await admin.post('/api/roles', { key: 'test-operator-all', name: 'Test operator (all users)', permissions: ['operations.manage', 'scope.all'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const [{ id: liamId }] = await app.sql<{ id: string }>(`select id from users where email = 'liam@example.com'`);
    expect((await admin.put(`/api/users/${liamId}/roles`, { roleKeys: ['learner', 'test-operator-all'] })).status).toBeLessThan(300);
    const liam = await new Http(app.url).login('liam@example.com');
    const id = await staged(admin, 'decide.csv', csv(['Code', 'Name'], [['D-1', 'x']]));
    await waitFor(id, 'awaiting_mapping');
    const refused = await liam.put(`/api/imports/${id}/mapping`, { mapping: { Code: 'code', Name: 'name' }, options: {} });
    expect([refused.status, refused.body.code]).toEqual([403, 'IMPORTS.ONLY_STARTER_DECIDES']);
    expect((await get(id)).status).toBe('awaiting_mapping');
    expect((await liam.post(`/api/imports/${id}/cancel`, {})).status).toBe(202);
    expect((await get(id)).status).toBe('cancelled');
  });

  it('refuses options named __proto__ or constructor at the upload, which the options schema would never see', async () => {
    for (const options of ['{"__proto__": {"budget": 1}}', '{"constructor": {"name": "x"}}']) {
      const response = await admin.upload('/api/imports', { type: TYPE, autoConfirm: 'true', options }, [{ field: 'file', fileName: 'p.csv', content: csv(['Code', 'Name'], [['P-1', 'x']]) }]);
      expect([response.status, response.body.code], options).toEqual([400, 'IMPORTS.OPTIONS_NOT_ACCEPTED']);
    }
  });

  it('refuses a file whose header is longer than 1000 characters, naming the column', async () => {
    const id = await staged(admin, 'long-header.csv', csv(['Code', 'Name', 'x'.repeat(1001)], [['H-1', 'x', 'y']]));
    const body = await finished(admin, id);
    expect(body.status).toBe('failed');
    expect(body.failure).toMatchObject({ code: 'IMPORTS.HEADER_TOO_LONG', params: { column: 'C', length: 1001, max: 1000 } });
  });

  const get = async (id: string) => (await admin.get<StagedImport>(`/api/imports/${id}`)).body;
  const waitFor = async (id: string, status: string, as: Http = admin) => (await reached(as, id, status)) as StagedImport;
  const stagedRows = async (id: string) =>
    Number((await app.sql<{ n: string }>('select count(*) as n from import_staged_rows where import_id = $1', [id]))[0].n);
  const staged = (http: Http, fileName: string, content: Buffer, fields: Record<string, string> = {}) =>
    startImport(http, TYPE, fileName, content, { autoConfirm: 'false', ...fields });

  it('preview: an upload without autoConfirm waits for its mapping with headers, 20 sample rows, suggestions and columns', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => [`P-${i + 1}`, `Name ${i + 1}`, String(i), 'x']);
    const id = await staged(admin, 'preview.csv', csv(['Referentie', 'Namee', 'Amount', 'Opmerking'], rows));
    const body = await waitFor(id, 'awaiting_mapping');
    expect(body.preview!.headers).toEqual(['Referentie', 'Namee', 'Amount', 'Opmerking']);
    expect(body.preview!.sampleRows).toHaveLength(20);
    expect(body.preview!.sampleRows[0]).toEqual(['P-1', 'Name 1', '0', 'x']);
    expect(body.preview!.sampleRows[19]).toEqual(['P-20', 'Name 20', '19', 'x']);
    expect(body.preview!.suggestions).toEqual([
      { header: 'Referentie', index: 0, key: 'code', confidence: 0.95, reason: 'alias' },
      { header: 'Namee', index: 1, key: 'name', confidence: expect.any(Number), reason: 'fuzzy' },
      { header: 'Amount', index: 2, key: 'amount', confidence: 1, reason: 'exact' },
      { header: 'Opmerking', index: 3, key: null, confidence: 0, reason: 'none' },
    ]);
    const fuzzy = body.preview!.suggestions[1].confidence;
    expect(fuzzy).toBeGreaterThanOrEqual(0.8);
    expect(fuzzy).toBeLessThanOrEqual(0.9);
    expect(body.preview!.unmappedMandatory).toEqual([]);
    expect(body.preview!.columns.map((c) => [c.key, c.header, c.mandatory])).toEqual([
      ['code', 'Code', true],
      ['name', 'Name', true],
      ['amount', 'Amount', false],
    ]);
    expect(body.preview!.warnings).toEqual([]);
    expect(body.validation).toBeNull();
    expect(body.mapping).toBeNull();
    expect(Date.parse(body.expiresAt!)).toBeGreaterThan(Date.now());
    expect(await rowsOf(admin, id)).toEqual([]);
    expect(await stagedRows(id)).toBe(0);

    // A file whose mandatory column has no match: it is named in unmappedMandatory.
    const other = await staged(admin, 'unmapped.csv', csv(['Code', 'Omschrijving'], [['U-1', 'x']]));
    const waiting = await waitFor(other, 'awaiting_mapping');
    expect(waiting.preview!.unmappedMandatory).toEqual(['Name']);
    expect(waiting.preview!.suggestions.map((s) => [s.header, s.key, s.reason])).toEqual([
      ['Code', 'code', 'exact'],
      ['Omschrijving', null, 'none'],
    ]);
  });

  it('autoConfirm with a mapping that is only fuzzy fails naming the missing columns: no one is there to confirm a guess', async () => {
    const id = await startImport(admin, TYPE, 'fuzzy.csv', csv(['Code', 'Namee'], [['F-1', 'x']]));
    const body = await finished(admin, id);
    // The fuzzy guess Namee -> name would complete it, but a guess is never run unseen.
    expect(body.status).toBe('failed');
    expect(body.failure).toEqual({
      code: 'IMPORTS.MISSING_COLUMNS',
      params: { columns: 'Name', found: 'Code, Namee', autoConfirm: 1 },
      message:
        'Mandatory column(s) missing: Name. Map a column of the file to each of them, or add them to the file (its first row holds: Code, Namee); the template shows the expected headers.',
    });
    expect(await stagedRows(id)).toBe(0);
    // The same file without autoConfirm waits with the guess shown.
    const shown = await waitFor(await staged(admin, 'fuzzy.csv', csv(['Code', 'Namee'], [['F-1', 'x']])), 'awaiting_mapping');
    expect(shown.preview!.suggestions.map((s) => [s.header, s.key, s.reason])).toEqual([
      ['Code', 'code', 'exact'],
      ['Namee', 'name', 'fuzzy'],
    ]);
  });

  it('PUT mapping refuses an incomplete or wrong mapping and bad options, queueing nothing', async () => {
    const id = await staged(admin, 'refusals.csv', csv(['Referentie', 'Namee', 'Amount'], [['R-1', 'x', '1']]));
    await waitFor(id, 'awaiting_mapping');
    const good = { Referentie: 'code', Namee: 'name', Amount: 'amount' };
    const refusals: [unknown, number, string][] = [
      [{ mapping: { Referentie: 'code' }, options: {} }, 400, 'IMPORTS.MISSING_COLUMNS'],
      [{ mapping: { ...good, Amount: 'name' }, options: {} }, 400, 'IMPORTS.MAPPING_DUPLICATE_KEY'],
      [{ mapping: { ...good, Amount: 'price' }, options: {} }, 400, 'IMPORTS.MAPPING_UNKNOWN_COLUMN'],
      [{ mapping: { ...good, Ghost: 'amount', Amount: null }, options: {} }, 400, 'IMPORTS.MAPPING_UNKNOWN_HEADER'],
      [{ mapping: good, options: { budget: -1 } }, 400, 'COMMON.VALIDATION_FAILED'],
      [{ mapping: good, options: { budget: 1.5 } }, 400, 'COMMON.VALIDATION_FAILED'],
      [{ mapping: good, options: { colour: 'red' } }, 400, 'COMMON.VALIDATION_FAILED'],
      [{ mapping: good, options: { label: 'x'.repeat(51) } }, 400, 'COMMON.VALIDATION_FAILED'],
      [{ mapping: good, options: { label: 'forbidden' } }, 403, 'COMMON.FORBIDDEN'],
    ];
    for (const [body, status, code] of refusals) {
      const response = await admin.put(`/api/imports/${id}/mapping`, body);
      expect([response.status, response.body.code], JSON.stringify({ body, response: response.body })).toEqual([status, code]);
      const after = await get(id);
      expect(after.status).toBe('awaiting_mapping');
      expect(after.mapping).toBeNull();
    }
    const missing = await admin.put(`/api/imports/${id}/mapping`, { mapping: { Referentie: 'code' }, options: {} });
    expect(missing.body).toMatchObject({
      params: { columns: 'Name', found: 'Referentie, Namee, Amount' },
      detail:
        'Mandatory column(s) missing: Name. Map a column of the file to each of them, or add them to the file (its first row holds: Referentie, Namee, Amount); the template shows the expected headers.',
      errors: [{ field: 'mapping', code: 'IMPORTS.MISSING_COLUMNS', message: expect.any(String) }],
    });
    const duplicate = await admin.put(`/api/imports/${id}/mapping`, { mapping: { ...good, Amount: 'name' }, options: {} });
    expect(duplicate.body).toMatchObject({
      params: { key: 'name', column: 'Name', header: 'Namee', position: 2, otherHeader: 'Amount', otherPosition: 3 },
      detail:
        'Column 2 ("Namee") and column 3 ("Amount") are both mapped to Name. Map only one of them to Name and skip the other; if the file has two columns with the same header, rename one of them.',
      errors: [{ field: 'mapping.Amount', code: 'IMPORTS.MAPPING_DUPLICATE_KEY', message: expect.any(String) }],
    });
    const unknownColumn = await admin.put(`/api/imports/${id}/mapping`, { mapping: { ...good, Amount: 'price' }, options: {} });
    expect(unknownColumn.body.params).toEqual({ header: 'Amount', column: 'price', available: 'code, name, amount' });
    const unknownHeader = await admin.put(`/api/imports/${id}/mapping`, { mapping: { ...good, Ghost: 'amount', Amount: null }, options: {} });
    expect(unknownHeader.body.params).toMatchObject({ header: 'Ghost' });
    const badOption = await admin.put(`/api/imports/${id}/mapping`, { mapping: good, options: { budget: -1 } });
    expect(badOption.body.errors).toEqual([{ field: 'options.budget', code: 'COMMON.INVALID_FIELD', message: 'options.budget: budget must not be less than 0' }]);
    const unknownOption = await admin.put(`/api/imports/${id}/mapping`, { mapping: good, options: { colour: 'red' } });
    expect(unknownOption.body.errors).toEqual([expect.objectContaining({ field: 'options.colour', code: 'COMMON.INVALID_FIELD' })]);
    const forbidden = await admin.put(`/api/imports/${id}/mapping`, { mapping: good, options: { label: 'forbidden' } });
    expect(forbidden.body).toMatchObject({ params: { permission: 'options.label=forbidden' }, detail: 'You do not have the permission options.label=forbidden.' });
    expect(await stagedRows(id)).toBe(0);
    expect(await app.sql('select 1 from import_chunk_plan where import_id = $1', [id])).toEqual([]);

    // The good mapping is accepted; PUT again once it has moved on: 409.
    const accepted = await admin.put(`/api/imports/${id}/mapping`, { mapping: good, options: { budget: 10, label: 'ok' } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
    const waiting = await waitFor(id, 'awaiting_confirmation');
    expect(waiting.mapping).toEqual(good);
    expect(waiting.options).toEqual({ budget: 10, label: 'ok' });
    const again = await admin.put(`/api/imports/${id}/mapping`, { mapping: good, options: {} });
    expect([again.status, again.body.code]).toEqual([409, 'IMPORTS.NOT_AWAITING_MAPPING']);
    expect((await get(id)).status).toBe('awaiting_confirmation');
  });

  it('a mapping set once is suggested again (remembered) for the same headers, to the same admin only', async () => {
    const headers = ['Referentie', 'Omschrijving', 'Amount'];
    const first = await staged(admin, 'first.csv', csv(headers, [['M-1', 'x', '1']]));
    const before = await waitFor(first, 'awaiting_mapping');
    expect(before.preview!.suggestions.find((s) => s.header === 'Omschrijving')).toMatchObject({ key: null, reason: 'none' });
    expect(before.preview!.unmappedMandatory).toEqual(['Name']);
    const set = await admin.put(`/api/imports/${first}/mapping`, { mapping: { Referentie: 'code', Omschrijving: 'name', Amount: 'amount' }, options: {} });
    expect(set.status, JSON.stringify(set.body)).toBeLessThan(300);

    const second = await staged(admin, 'second.csv', csv(headers, [['M-2', 'y', '2']]));
    const remembered = await waitFor(second, 'awaiting_mapping');
    expect(remembered.preview!.suggestions).toEqual([
      { header: 'Referentie', index: 0, key: 'code', confidence: 1, reason: 'remembered' },
      { header: 'Omschrijving', index: 1, key: 'name', confidence: 1, reason: 'remembered' },
      { header: 'Amount', index: 2, key: 'amount', confidence: 1, reason: 'remembered' },
    ]);
    expect(remembered.preview!.unmappedMandatory).toEqual([]);

    const hers = await staged(lena, 'hers.csv', csv(headers, [['M-3', 'z', '3']]));
    const notHers = await waitFor(hers, 'awaiting_mapping', lena);
    expect(notHers.preview!.suggestions.map((s) => [s.header, s.key, s.reason])).toEqual([
      ['Referentie', 'code', 'alias'],
      ['Omschrijving', null, 'none'],
      ['Amount', 'amount', 'exact'],
    ]);
  });

  it('a remembered mapping is sure: an auto-confirmed upload with those headers runs without stopping', async () => {
    const headers = ['Ref', 'Omschrijving', 'Bedrag'];
    const first = await staged(admin, 'sure-1.csv', csv(headers, [['S-1', 'x', '1']]));
    await waitFor(first, 'awaiting_mapping');
    const set = await admin.put(`/api/imports/${first}/mapping`, { mapping: { Ref: 'code', Omschrijving: 'name', Bedrag: 'amount' }, options: {} });
    expect(set.status, JSON.stringify(set.body)).toBeLessThan(300);
    const second = await startImport(admin, TYPE, 'sure-2.csv', csv(headers, [['S-2', 'y', '2'], ['S-3', 'z', '3']]));
    const body = (await finished(admin, second)) as StagedImport;
    expect(body.status).toBe('completed');
    expect(body.mapping).toEqual({ Ref: 'code', Omschrijving: 'name', Bedrag: 'amount' });
    expect(body.counts).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
  });

  it('two mappings sent at once: one is taken, the other answers 409, and the import is staged once', async () => {
    const id = await staged(admin, 'race.csv', csv(HEADER, [['Q-1', 'a', '1'], ['Q-2', 'b', '2']]));
    await waitFor(id, 'awaiting_mapping');
    const mapping = { Code: 'code', Name: 'name', Amount: 'amount' };
    const answers = await Promise.all([
      admin.put(`/api/imports/${id}/mapping`, { mapping, options: { label: 'one' } }),
      admin.put(`/api/imports/${id}/mapping`, { mapping, options: { label: 'two' } }),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBeLessThan(300);
    expect(statuses[1]).toBe(409);
    const winner = answers.find((a) => a.status < 300) === answers[0] ? 'one' : 'two';
    const body = await waitFor(id, 'awaiting_confirmation');
    expect(body.options).toEqual({ label: winner });
    expect(body.counts).toMatchObject({ total: 2, validated: 2, valid: 2 });
    expect(await stagedRows(id)).toBe(2);
  });

  it('another user cannot set the mapping of an import that is not theirs', async () => {
    const id = await staged(admin, 'not-hers.csv', csv(HEADER, [['N-1', 'a', '1']]));
    await waitFor(id, 'awaiting_mapping');
    const response = await lena.put(`/api/imports/${id}/mapping`, { mapping: { Code: 'code', Name: 'name' }, options: {} });
    expect([response.status, response.body.code]).toEqual([404, 'IMPORTS.IMPORT_NOT_FOUND']);
    expect((await lena.post(`/api/imports/${id}/cancel`)).status).toBe(404);
    expect((await get(id)).status).toBe('awaiting_mapping');
  });

  it('a key given twice across chunks fails every occurrence, naming the other rows', async () => {
    const rows = Array.from({ length: 16 }, (_, i) => [`K-${i + 2}`, `Name ${i + 2}`, '1']);
    // Data rows are 2..17 (row 1 is the header): the same code, in other case, in rows 2, 9 and 15.
    rows[0][0] = 'dup-1';
    rows[7][0] = 'DUP-1';
    rows[13][0] = 'Dup-1';
    const id = await startImport(admin, TYPE, 'keys.csv', csv(HEADER, rows));
    const body = await finished(admin, id);
    expect(body.status).toBe('completed_with_errors');
    expect(body.counts).toMatchObject({ total: 16, succeeded: 13, failed: 3 });
    const failed = await rowsOf(admin, id, 'failed');
    expect(failed.map((r) => [r.rowNumber, r.errors.map((e) => [e.code, e.column])])).toEqual([
      [2, [['IMPORTS.DUPLICATE_KEY', 'code']]],
      [9, [['IMPORTS.DUPLICATE_KEY', 'code']]],
      [15, [['IMPORTS.DUPLICATE_KEY', 'code']]],
    ]);
    expect(failed[0].errors[0].message).toBe('Code "dup-1" is also in row(s) 9, 15. Each Code may appear only once in the file: keep one row and remove the others.');
    expect(failed[1].errors[0].message).toContain('"DUP-1" is also in row(s) 2, 15.');
    expect(failed[2].errors[0].message).toContain('"Dup-1" is also in row(s) 2, 9.');
  });

  it('warnings to confirm: refused without them, run with them; rows failed at validation stay failed', async () => {
    const id = await startImport(admin, TYPE, 'confirm.csv', csv(HEADER, [['C-1', 'a', '150'], ['C-2', 'b', '50'], ['C-3', 'c', 'lots'], ['C-4', 'd', '200']]));
    const body = await waitFor(id, 'awaiting_confirmation');
    expect(body.validation).toEqual({
      warningGroups: [{ code: 'TEST_RECORDS.BIG_AMOUNT', message: 'The amount is more than 100; confirm that this is intended.', rows: 2, needsConfirmation: true }],
      toConfirm: ['TEST_RECORDS.BIG_AMOUNT'],
      checkProblems: [],
    });
    expect(body.counts).toMatchObject({ total: 4, validated: 4, valid: 3, processed: 0, succeeded: 0, failed: 1, withWarnings: 2 });
    expect(await stagedRows(id)).toBe(4);
    expect((await rowsOf(admin, id)).map((r) => [r.rowNumber, r.status])).toEqual([[2, 'valid'], [3, 'valid'], [4, 'failed'], [5, 'valid']]);

    const refused = await admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: [] });
    expect([refused.status, refused.body.code]).toEqual([409, 'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED']);
    expect(refused.body).toMatchObject({
      params: { codes: 'TEST_RECORDS.BIG_AMOUNT' },
      detail:
        'These warnings must be acknowledged before the import runs: TEST_RECORDS.BIG_AMOUNT. Read them in the rows, then confirm again with their codes in acknowledgedWarnings.',
    });
    expect((await get(id)).status).toBe('awaiting_confirmation');
    const wrong = await admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: ['SOMETHING.ELSE'] });
    expect([wrong.status, wrong.body.code]).toEqual([409, 'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED']);

    // In Dutch for an admin who asks for it.
    const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).get<StagedImport>(`/api/imports/${id}`);
    expect(dutch.body.validation!.warningGroups[0].message).toBe('Het bedrag is meer dan 100; bevestig dat dit de bedoeling is.');

    // Two confirmations at once: one runs it, the other answers 409.
    const confirmations = await Promise.all([1, 2].map(() => admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: ['TEST_RECORDS.BIG_AMOUNT'] })));
    expect(confirmations.map((c) => c.status).sort()).toEqual([expect.any(Number), 409]);
    expect(Math.min(...confirmations.map((c) => c.status))).toBeLessThan(300);
    const done = (await finished(admin, id)) as StagedImport;
    expect(done.status).toBe('completed_with_errors');
    expect(done.counts).toMatchObject({ total: 4, succeeded: 3, failed: 1, withWarnings: 2 });
    const rows = await rowsOf(admin, id);
    expect(rows.map((r) => [r.rowNumber, r.status, r.errors.map((e) => e.code), r.warnings.map((w) => w.code)])).toEqual([
      [2, 'succeeded', [], ['TEST_RECORDS.BIG_AMOUNT']],
      [3, 'succeeded', [], []],
      [4, 'failed', ['TEST_RECORDS.AMOUNT_NOT_A_NUMBER'], []],
      [5, 'succeeded', [], ['TEST_RECORDS.BIG_AMOUNT']],
    ]);
    expect(rows[2].errors[0]).toMatchObject({ column: 'amount', message: 'Amount must be a number, not "lots".' });
    expect(rows.every((r) => r.entityId === null)).toBe(true);
    expect(await stagedRows(id)).toBe(0);
  });

  it('an import-level check (budget) stops the run: confirm answers 409 naming the problem', async () => {
    // 7 valid rows of 20 (140) and a failing one, over three chunks: validated.rows() streams them all.
    const rows = Array.from({ length: 7 }, (_, i) => [`B-${i + 1}`, 'n', '20']);
    rows.splice(4, 0, ['B-X', 'x', 'x']);
    const id = await startImport(admin, TYPE, 'budget.csv', csv(HEADER, rows), { options: JSON.stringify({ budget: 100 }) });
    const body = await waitFor(id, 'awaiting_confirmation');
    expect(body.validation).toEqual({
      warningGroups: [],
      toConfirm: [],
      checkProblems: [
        {
          code: 'TEST_RECORDS.OVER_BUDGET',
          params: { total: 140, budget: 100 },
          message: 'The valid rows add up to 140, more than the budget of 100. Lower the amounts or raise the budget.',
        },
      ],
    });
    const refused = await admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: [] });
    expect([refused.status, refused.body.code]).toEqual([409, 'IMPORTS.CHECK_BEFORE_RUN_FAILED']);
    expect(refused.body).toMatchObject({
      params: { count: 1, codes: 'TEST_RECORDS.OVER_BUDGET' },
      errors: [{ code: 'TEST_RECORDS.OVER_BUDGET', message: 'The valid rows add up to 140, more than the budget of 100. Lower the amounts or raise the budget.' }],
    });
    expect((await get(id)).status).toBe('awaiting_confirmation');
    expect((await get(id)).counts).toMatchObject({ processed: 0, succeeded: 0 });
  });

  it('validateOnly stops after validation: completed, rows valid, listed in the results file', async () => {
    const id = await startImport(admin, TYPE, 'check.csv', csv(HEADER, [['V-1', 'a', '5'], ['V-2', 'b', '150']]), { validateOnly: 'true' });
    const body = (await finished(admin, id)) as StagedImport;
    expect(body.status).toBe('completed');
    expect(body.counts).toMatchObject({ total: 2, validated: 2, valid: 2, processed: 0, succeeded: 0, failed: 0 });
    expect(body.validation!.toConfirm).toEqual(['TEST_RECORDS.BIG_AMOUNT']);
    expect((await rowsOf(admin, id)).map((r) => [r.rowNumber, r.status])).toEqual([[2, 'valid'], [3, 'valid']]);
    const file = await admin.get(`/api/imports/${id}/results-file?format=csv`);
    expect(file.status).toBe(200);
    const lines = file.raw.toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('V-1');
    expect(lines[1]).toContain('Valid (not run yet)');
    expect(lines[2]).toContain('V-2');
    expect(lines[2]).toContain('Valid (not run yet)');
    expect(await stagedRows(id)).toBe(0);
  });

  it('cancel while awaiting the mapping and while awaiting confirmation removes the staged rows', async () => {
    const waitingForMapping = await staged(admin, 'cancel-1.csv', csv(HEADER, [['X-1', 'a', '1']]));
    await waitFor(waitingForMapping, 'awaiting_mapping');
    expect((await admin.post(`/api/imports/${waitingForMapping}/cancel`)).status).toBeLessThan(300);
    expect((await get(waitingForMapping)).status).toBe('cancelled');

    const waitingForConfirm = await startImport(admin, TYPE, 'cancel-2.csv', csv(HEADER, [['X-2', 'a', '500'], ['X-3', 'b', '1']]));
    await waitFor(waitingForConfirm, 'awaiting_confirmation');
    expect(await stagedRows(waitingForConfirm)).toBe(2);
    expect((await admin.post(`/api/imports/${waitingForConfirm}/cancel`)).status).toBeLessThan(300);
    const cancelled = await get(waitingForConfirm);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.expiresAt).toBeNull();
    expect(await stagedRows(waitingForConfirm)).toBe(0);
    expect(await app.sql('select 1 from import_chunk_plan where import_id = $1', [waitingForConfirm])).toEqual([]);
    const confirm = await admin.post(`/api/imports/${waitingForConfirm}/confirm`, { acknowledgedWarnings: ['TEST_RECORDS.BIG_AMOUNT'] });
    expect(confirm.status).toBe(409);
  });

  it('a waiting import expires after IMPORT_WAITING_EXPIRY_HOURS and its staged rows are removed', async () => {
    const mappingId = await staged(admin, 'expire-1.csv', csv(HEADER, [['E-1', 'a', '1']]));
    await waitFor(mappingId, 'awaiting_mapping');
    const confirmId = await startImport(admin, TYPE, 'expire-2.csv', csv(HEADER, [['E-2', 'a', '500'], ['E-3', 'b', '1']]));
    await waitFor(confirmId, 'awaiting_confirmation');
    expect(await stagedRows(confirmId)).toBe(2);
    await app.sql(`update imports set status_changed_at = now() - interval '2 hours' where id = any($1::uuid[])`, [[mappingId, confirmId]]);
    for (const id of [mappingId, confirmId]) {
      const body = (await finished(admin, id)) as StagedImport;
      expect(body.status).toBe('expired');
      expect(body.expiresAt).toBeNull();
      expect(await stagedRows(id)).toBe(0);
    }
    const late = await admin.put(`/api/imports/${mappingId}/mapping`, { mapping: { Code: 'code', Name: 'name', Amount: 'amount' }, options: {} });
    expect([late.status, late.body.code]).toEqual([409, 'IMPORTS.NOT_AWAITING_MAPPING']);
  });

  it('a tab-delimited .txt in Windows-1252 is read with its accents', async () => {
    const text = ['Code\tName\tAmount', 'T-1\tJosé Müller\t5', 'T-2\tFrançoise\tabc'].join('\r\n') + '\r\n';
    const id = await startImport(admin, TYPE, 'records.txt', Buffer.from(text, 'latin1'));
    const body = await finished(admin, id);
    expect(body.status).toBe('completed_with_errors');
    const rows = await rowsOf(admin, id);
    expect(rows.map((r) => [r.rowNumber, r.status, r.values.Name])).toEqual([
      [2, 'succeeded', 'José Müller'],
      [3, 'failed', 'Françoise'],
    ]);
    expect(rows[1].errors).toEqual([expect.objectContaining({ code: 'TEST_RECORDS.AMOUNT_NOT_A_NUMBER', column: 'amount' })]);
  });

  it('an .xml file: row numbers are record indexes, a failing record names its row', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<export>
  <meta><generated>today</generated></meta>
  <records>
    <record><code>X-1</code><name>Eén</name><amount>5</amount></record>
    <record><code>X-2</code><name>Twee</name><amount>veel</amount></record>
    <record><code>X-3</code><name>Drie &amp; vier</name></record>
  </records>
</export>
`;
    const id = await startImport(admin, TYPE, 'records.xml', Buffer.from(xml, 'utf8'));
    const body = await finished(admin, id);
    expect(body.status).toBe('completed_with_errors');
    expect(body.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    const rows = await rowsOf(admin, id);
    expect(rows.map((r) => [r.rowNumber, r.status, r.values.name])).toEqual([
      [1, 'succeeded', 'Eén'],
      [2, 'failed', 'Twee'],
      [3, 'succeeded', 'Drie & vier'],
    ]);
    expect(rows[1].errors).toEqual([expect.objectContaining({ code: 'TEST_RECORDS.AMOUNT_NOT_A_NUMBER', column: 'amount' })]);
    const errorFile = await admin.get(`/api/imports/${id}/error-file?format=csv`);
    expect(errorFile.status).toBe(200);
    expect(errorFile.raw.toString('utf8')).toContain('X-2');
  });

  it('an XML file that turns bad after the preview (an undeclared entity in record 25) fails while staging and leaves nothing staged', async () => {
    const records = Array.from({ length: 30 }, (_, i) =>
      `<record><code>L-${i + 1}</code><name>${i === 24 ? '&xxe;' : `n${i + 1}`}</name><amount>1</amount></record>`);
    const id = await startImport(admin, TYPE, 'late.xml', Buffer.from(`<records>\n${records.join('\n')}\n</records>\n`, 'utf8'));
    const body = await finished(admin, id);
    expect([body.status, body.failure?.code]).toEqual(['failed', 'XML.ENTITY_REFUSED']);
    expect(body.failure!.params).toMatchObject({ entity: 'xxe', line: 26 });
    expect(await stagedRows(id)).toBe(0);
    expect(await app.sql('select 1 from import_chunk_plan where import_id = $1', [id])).toEqual([]);
    expect(await app.sql('select 1 from import_row_results where import_id = $1', [id])).toEqual([]);
  });

  it('an XML file with a DOCTYPE, an external entity or entity expansion fails with XML.DOCTYPE_REFUSED, nothing staged', async () => {
    const files = {
      doctype: '<?xml version="1.0"?>\n<!DOCTYPE records>\n<records><record><code>A</code><name>b</name></record></records>',
      external: '<?xml version="1.0"?>\n<!DOCTYPE records [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<records><record><code>A</code><name>&xxe;</name></record></records>',
      laughs:
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n' +
        '<records><record><code>A</code><name>&lol3;</name></record></records>',
    };
    for (const [name, content] of Object.entries(files)) {
      const id = await startImport(admin, TYPE, `${name}.xml`, Buffer.from(content, 'utf8'));
      const body = await finished(admin, id);
      expect([body.status, body.failure?.code], name).toEqual(['failed', 'XML.DOCTYPE_REFUSED']);
      expect(body.failure!.message, name).toMatch(/line 2/i);
      expect(await stagedRows(id), name).toBe(0);
      expect(await app.sql('select 1 from import_row_results where import_id = $1', [id]), name).toEqual([]);
    }
  });
});

describe('without IMPORT_TEST_TYPES the test type does not exist', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is not listed and cannot be started', async () => {
    const admin = await new Http(app.url).login('admin@example.com');
    const types = await admin.get('/api/import-types');
    expect(types.status).toBe(200);
    expect(JSON.stringify(types.body)).not.toContain(TYPE);
    const response = await admin.upload('/api/imports', { type: TYPE }, [{ field: 'file', fileName: 'a.csv', content: csv(HEADER, [['A', 'b', '1']]) }]);
    expect([response.status, response.body.code]).toEqual([404, 'IMPORTS.TYPE_NOT_FOUND']);
    expect(await app.sql('select 1 from imports')).toEqual([]);
  });
});
