import ExcelJS from 'exceljs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpreadsheet, type CellValue } from '#libs/spreadsheet/spreadsheet-reader.js';
import { csv, xlsx, type Cell } from '../support/files.js';
import { takeSseBlocks } from '../support/sse.js';
import { eventually, Http, type HttpResponse } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, rowsOf, startImport, type ImportBody } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates';
const NOT_FOUND_OR_UNAUTHORISED = 'Certificate definition code or user code not found or unauthorised';
const today = () => new Date().toISOString().slice(0, 10);

function addMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/** Windows-1252 as Dutch Excel writes "CSV (puntkomma gescheiden)": Latin-1 plus the euro sign at 0x80. */
function windows1252(text: string): Buffer {
  return Buffer.from(
    [...text].map((char) => {
      if (char === '\u20ac') return 0x80;
      const code = char.charCodeAt(0);
      if (code > 0xff) throw new Error(`not in Windows-1252: ${char}`);
      return code;
    }),
  );
}

interface SseEvent {
  event: string;
  data: any;
}

/** Reads a Server-Sent Events stream with fetch, event by event, until `end` (or the timeout). */
async function readEvents(
  url: string,
  token: string,
  timeoutMs = 30_000,
  onEvent: (event: SseEvent) => void = () => {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const taken = takeSseBlocks(buffered + decoder.decode(value, { stream: true }));
      buffered = taken.rest;
      for (const { event, data } of taken.blocks) {
        if (data === undefined) continue;
        events.push({ event, data: data as never });
        onEvent(events.at(-1)!);
        if (event === 'end') {
          await reader.cancel();
          return { status: response.status, contentType: response.headers.get('content-type'), events };
        }
      }
    }
    return { status: response.status, contentType: response.headers.get('content-type'), events };
  } finally {
    clearTimeout(timer);
  }
}

describe('imports: certificates from XLSX and CSV through HTTP (real Postgres, Redis, workers)', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let adminToken: string;
  let groupAdmin: Http;
  let learner: Http;
  let dir: string;

  beforeAll(async () => {
    // Small chunks, one at a time: the big import below stays "processing" long enough to cancel it.
    app = await startTestApp({ env: { IMPORT_CHUNK_SIZE: '200', IMPORT_CHUNK_CONCURRENCY: '1' } });
    http = new Http(app.url);
    adminToken = (await http.post('/api/auth/login', { email: 'admin@example.com', password: 'demo-password-1' })).body.accessToken;
    admin = http.as(adminToken);
    groupAdmin = await http.login('groupadmin@example.com');
    learner = await http.login('lena@example.com');
    dir = mkdtempSync(join(tmpdir(), 'imports-flow-'));
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const countCertificates = async (where = 'true', params: unknown[] = []) =>
    Number((await app.sql<{ count: string }>(`select count(*) as count from obtained_certificates c where ${where}`, params))[0].count);

  const certificatesOf = (userCode: string, definitionCode: string) =>
    app.sql<{ obtained: string; expires: string | null; number: string | null; auto_numbered: boolean; source: string }>(
      `select to_char(c.obtained_on, 'YYYY-MM-DD') as obtained, to_char(c.expires_on, 'YYYY-MM-DD') as expires, c.number, c.auto_numbered, c.source
         from obtained_certificates c join users u on u.id = c.user_id join certificate_definitions d on d.id = c.definition_id
        where u.user_code = $1 and d.code = $2 order by c.created_at`,
      [userCode, definitionCode],
    );

  const readSheet = async (content: Buffer, kind: 'xlsx' | 'csv'): Promise<CellValue[][]> => {
    const path = join(dir, `sheet-${Math.random().toString(36).slice(2)}.${kind}`);
    writeFileSync(path, content);
    const rows: CellValue[][] = [];
    for await (const row of readSpreadsheet(path, kind)) rows.push(row.cells.map((c) => (c === null ? '' : c)));
    return rows;
  };

  const rowByNumber = async (id: string, as: Http = admin) => new Map((await rowsOf(as, id)).map((r) => [r.rowNumber, r]));

  it('lists the import types the caller may run; a learner gets none', async () => {
    const types = await admin.get('/api/import-types');
    expect(types.status).toBe(200);
    const byKey = new Map(types.body.map((t: { key: string }) => [t.key, t]));
    expect([...byKey.keys()]).toEqual(expect.arrayContaining([TYPE, 'obtained-certificates-with-files']));
    expect(byKey.get(TYPE)).toMatchObject({ permission: 'imports.obtained-certificates', fileKinds: ['xlsx', 'csv'] });
    expect((byKey.get(TYPE) as { columns: { header: string }[] }).columns.map((c) => c.header)).toEqual(CERTIFICATE_HEADER);
    expect((await groupAdmin.get('/api/import-types')).body.map((t: { key: string }) => t.key)).toContain(TYPE);

    const none = await learner.get('/api/import-types');
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
  });

  it('serves the template as a styled XLSX and as CSV, to those allowed to run the type', async () => {
    const template = await admin.get(`/api/import-types/${TYPE}/template`);
    expect(template.status).toBe(200);
    expect(template.headers.get('content-type')).toContain('spreadsheetml');
    expect(template.headers.get('content-disposition')).toContain('certificates_template.xlsx');
    const rows = await readSheet(template.raw, 'xlsx');
    expect(rows[0]).toEqual(CERTIFICATE_HEADER);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template.raw as unknown as ArrayBuffer);
    const header = workbook.worksheets[0].getRow(1);
    const fillOf = (column: number) => ((header.getCell(column).fill as ExcelJS.FillPattern).fgColor as { argb: string }).argb;
    expect(fillOf(1)).toBe('FFF8C8DC'); // User Code: mandatory, pink
    expect(fillOf(3)).not.toBe(fillOf(1)); // Date Obtained: optional
    expect(String(header.getCell(3).note ?? '')).toContain('dd-mm-yyyy');
    expect(header.getCell(1).font?.bold).toBe(true);

    const asCsv = await admin.get(`/api/import-types/${TYPE}/template?format=csv`);
    expect(asCsv.status).toBe(200);
    expect(asCsv.headers.get('content-type')).toContain('text/csv');
    expect(asCsv.headers.get('content-disposition')).toContain('certificates_template.csv');
    expect((await readSheet(asCsv.raw, 'csv'))[0]).toEqual(CERTIFICATE_HEADER);

    const forbidden = await learner.get(`/api/import-types/${TYPE}/template`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.params.permission).toBe('imports.obtained-certificates');
    const unknown = await admin.get('/api/import-types/nope/template');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('IMPORTS.TYPE_NOT_FOUND');
  });

  it('refuses a learner who starts an import with a 403 problem naming the permission', async () => {
    const file = await xlsx(CERTIFICATE_HEADER, [['L-1001', 'VCA-BASIS', '01-01-2025', null, null, true]]);
    const response = await learner.upload('/api/imports', { type: TYPE, autoConfirm: 'true' }, [{ field: 'file', fileName: 'mine.xlsx', content: file }]);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('COMMON.FORBIDDEN');
    expect(response.body.params).toEqual({ permission: 'imports.obtained-certificates' });
    expect(response.body.title).toContain('imports.obtained-certificates');
    expect(await app.sql('select id from imports where started_by = (select id from users where email = $1)', ['lena@example.com'])).toEqual([]);
  });

  describe('a platform admin imports an XLSX with good and bad rows', () => {
    const rows: Cell[][] = [
      /* 2 */ ['L-1001', 'VCA-BASIS', new Date(Date.UTC(2025, 2, 15)), null, null, true],
      /* 3 */ ['L-1002', 'bhv', '5-1-2025', null, 'BHV-EXT-1', false],
      /* 4 */ ['L-1003', 'EHBO', '31-12-2024', '01-01-2024', 'E-1', null],
      /* 5 */ ['L-1004', 'FORKLIFT', 'sometime last year', null, 'FL-EXT-9', null],
      /* 6 */ ['L-1005', 'NOPE', '01-02-2025', null, 'X-1', null],
      /* 7 */ ['X-9999', 'VCA-BASIS', '01-02-2025', null, 'X-2', null],
      /* 8 */ ['L-1006', 'VCA-BASIS', '01-02-2025', null, 'N-1', true],
      /* 9 */ ['L-1002', 'bhv', '5-1-2025', null, 'BHV-EXT-1', false],
      /* 10 */ ['@L-1001', '=1+1', '-5', null, '+31 6 1234', null],
    ];
    let file: Buffer;
    let id: string;
    let before: number;

    beforeAll(async () => {
      file = await xlsx(CERTIFICATE_HEADER, rows);
      before = await countCertificates();
    });

    it('answers 202 with an id and streams progress as Server-Sent Events until the end', async () => {
      const response = await admin.upload('/api/imports', { type: TYPE, autoConfirm: 'true', validateOnly: 'false', options: '{}' }, [{ field: 'file', fileName: 'Certificates Q1.xlsx', content: file }]);
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      expect(response.body).toMatchObject({ id: expect.any(String), status: 'queued', href: `/api/imports/${response.body.id}` });
      expect(response.headers.get('location')).toBe(`/api/imports/${response.body.id}`);
      id = response.body.id;

      const stream = await readEvents(`${app.url}/api/imports/${id}/events`, adminToken);
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      const progress = stream.events.filter((e) => e.event === 'progress');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      const end = stream.events.at(-1)!;
      expect(end.event).toBe('end');
      expect(end.data.status).toBe('completed_with_errors');
      // Nothing needs confirming for this type: auto-confirm runs each row once, without a separate validation pass.
      expect(end.data.counts).toEqual({ total: 9, validated: 0, valid: 0, processed: 9, succeeded: 3, failed: 5, skipped: 1, withWarnings: 3 });
      expect(end.data.progressPercent).toBe(100);

      const run = await admin.get<ImportBody>(`/api/imports/${id}`);
      expect(run.status).toBe(200);
      expect(run.body.counts).toEqual(end.data.counts);
      expect(run.body).toMatchObject({ type: TYPE, validateOnly: false, fileName: 'Certificates Q1.xlsx', header: CERTIFICATE_HEADER, failure: null, warnings: [] });
      expect(run.body.finishedAt).toEqual(expect.any(String));
      expect(await countCertificates()).toBe(before + 3);
      // Streaming an import that has already ended gives its state and `end` at once.
      const again = await readEvents(`${app.url}/api/imports/${id}/events`, adminToken, 5000);
      expect(again.events.map((e) => e.event)).toEqual(['progress', 'end']);
    });

    it('registers the good rows: date cells, d-m-yyyy text, default expiry, automatic numbers, a warning for an unknown date', async () => {
      const [vca] = await certificatesOf('L-1001', 'VCA-BASIS').then((list) => list.filter((c) => c.source === 'import'));
      expect(vca).toMatchObject({ obtained: '2025-03-15', expires: '2035-03-15', auto_numbered: true });
      expect(vca.number).toMatch(/^VCA-\d+$/);

      const bhv = (await certificatesOf('L-1002', 'BHV')).filter((c) => c.source === 'import');
      expect(bhv).toEqual([{ obtained: '2025-01-05', expires: '2026-01-05', number: 'BHV-EXT-1', auto_numbered: false, source: 'import' }]);

      const forklift = (await certificatesOf('L-1004', 'FORKLIFT')).filter((c) => c.source === 'import');
      expect(forklift).toEqual([{ obtained: today(), expires: addMonths(today(), 60), number: 'FL-EXT-9', auto_numbered: false, source: 'import' }]);

      const byRow = await rowByNumber(id);
      expect([...byRow.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(byRow.get(2)).toMatchObject({ status: 'succeeded', errors: [], warnings: [], entityId: expect.any(String) });
      expect(byRow.get(5)!.status).toBe('succeeded');
      expect(byRow.get(5)!.warnings).toEqual([
        expect.objectContaining({
          code: 'CERTIFICATES.IMPORT_DATE_OBTAINED_NOT_RECOGNISED',
          message: `Date Obtained "sometime last year" was not recognised (use dd-mm-yyyy); today, ${today()}, was used`,
        }),
      ]);
      expect(byRow.get(3)!.values).toMatchObject({ 'User Code': 'L-1002', 'Certificate Definition Code': 'bhv', 'Date Obtained': '5-1-2025' });
      expect(byRow.get(2)!.values['Date Obtained']).toBe('2025-03-15');
    });

    it('fails bad rows with precise reasons for a platform admin, in English and Dutch', async () => {
      const byRow = await rowByNumber(id);
      const messages = (row: number) => byRow.get(row)!.errors.map((e) => e.message);
      expect(byRow.get(4)!.status).toBe('failed');
      expect(messages(4)).toEqual(['The expiry date (2024-01-01) is before the date obtained (2024-12-31).']);
      expect(messages(6)).toEqual(['Certificate definition code does not exist']);
      expect(messages(7)).toEqual(['User code does not exist']);
      expect(messages(8)).toEqual(['Give a number (N-1) or ask for an automatic number, not both.']);
      expect(byRow.get(8)!.errors[0].column).toBe('autoNumber');
      expect(messages(10)).toEqual(['Certificate definition code does not exist', 'User code does not exist']);
      expect(byRow.get(9)).toMatchObject({ status: 'skipped', errors: [] });
      expect(byRow.get(9)!.warnings.map((w) => w.message)).toEqual(['Same as row 3; skipped.']);
      expect(await certificatesOf('L-1006', 'VCA-BASIS')).toEqual([]);

      const dutch = new Map((await rowsOf(admin.withHeaders({ 'accept-language': 'nl' }), id, 'failed')).map((r) => [r.rowNumber, r]));
      expect(dutch.get(6)!.errors.map((e) => e.message)).toEqual(['Certificaatdefinitiecode bestaat niet']);
      expect(dutch.get(7)!.errors.map((e) => e.message)).toEqual(['Gebruikerscode bestaat niet']);
      expect(dutch.get(4)!.errors.map((e) => e.message)).toEqual(['De vervaldatum (2024-01-01) ligt vóór de behaaldatum (2024-12-31).']);
    });

    it('filters the per-row results by outcome', async () => {
      const numbers = async (outcome: string) => (await rowsOf(admin, id, outcome)).map((r) => r.rowNumber);
      expect(await numbers('failed')).toEqual([4, 6, 7, 8, 10]);
      expect(await numbers('succeeded')).toEqual([2, 3, 5]);
      expect(await numbers('skipped')).toEqual([9]);
      expect(await numbers('warnings')).toEqual([5, 9, 10]);
      const paged = await admin.get(`/api/imports/${id}/rows?outcome=failed&page=2&pageSize=2`);
      expect(paged.body.meta).toEqual({ page: 2, pageSize: 2, total: 5 });
      expect(paged.body.items.map((r: { rowNumber: number }) => r.rowNumber)).toEqual([7, 8]);
      expect((await admin.get(`/api/imports/${id}/rows?outcome=maybe`)).status).toBe(400);
    });

    it('lists the import in the overview with its counts, filterable by type and status', async () => {
      const listed = await admin.get(`/api/imports?type=${TYPE}&status=completed_with_errors`);
      expect(listed.status).toBe(200);
      const item = listed.body.items.find((i: { id: string }) => i.id === id);
      expect(item).toMatchObject({ status: 'completed_with_errors', fileName: 'Certificates Q1.xlsx', counts: { total: 9, succeeded: 3, failed: 5, skipped: 1 } });
      expect(item.startedBy.name).toEqual(expect.any(String));
      expect(listed.body.meta.total).toBe(listed.body.items.length);
      expect((await admin.get(`/api/imports?status=completed`)).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
      expect((await admin.get(`/api/imports?type=obtained-certificates-with-files`)).body.items).toEqual([]);
      const firstPage = await admin.get(`/api/imports?pageSize=1`);
      expect(firstPage.body.items).toHaveLength(1);
      expect(firstPage.body.meta.total).toBeGreaterThanOrEqual(1);
      // Group admins see only their own imports: someone else's is not found, on every route.
      for (const path of ['', '/rows', '/error-file', '/events']) expect((await groupAdmin.get(`/api/imports/${id}${path}`)).status).toBe(404);
      for (const path of ['/cancel', '/run']) expect((await groupAdmin.post(`/api/imports/${id}${path}`)).status).toBe(404);
      expect((await groupAdmin.get('/api/imports')).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    });

    it('gives the failed rows back as an error file (XLSX and CSV) with their original cells, an Errors column and formulas neutralised', async () => {
      const file = await admin.get(`/api/imports/${id}/error-file`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toContain('spreadsheetml');
      expect(file.headers.get('content-disposition')).toContain('Certificates Q1_errors.xlsx');
      const sheet = await readSheet(file.raw, 'xlsx');
      expect(sheet[0]).toEqual([...CERTIFICATE_HEADER, 'Errors']);
      expect(sheet.slice(1).map((r) => r[0])).toEqual(['L-1003', 'L-1005', 'X-9999', 'L-1006', "'@L-1001"]);
      expect(sheet[1]).toEqual(['L-1003', 'EHBO', '31-12-2024', '01-01-2024', 'E-1', '', 'The expiry date (2024-01-01) is before the date obtained (2024-12-31).']);
      expect(sheet[4].slice(0, 6)).toEqual(['L-1006', 'VCA-BASIS', '01-02-2025', '', 'N-1', 'TRUE']);
      expect(sheet[5]).toEqual(["'@L-1001", "'=1+1", "'-5", '', "'+31 6 1234", '', 'Certificate definition code does not exist; User code does not exist']);

      const asCsv = await admin.get(`/api/imports/${id}/error-file?format=csv`);
      expect(asCsv.status).toBe(200);
      expect(asCsv.headers.get('content-type')).toContain('text/csv');
      expect(asCsv.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const lines = asCsv.raw.toString('utf8').slice(1).split('\r\n');
      expect(lines[0]).toBe([...CERTIFICATE_HEADER, 'Errors'].join(','));
      expect(lines).toHaveLength(7); // header, five rows, and the empty string after the last CRLF
      // The reasons hold a semicolon: quoted, so a semicolon locale does not split them into a cell of their own.
      expect(lines[5]).toBe(`'@L-1001,'=1+1,'-5,,'+31 6 1234,,"Certificate definition code does not exist; User code does not exist"`);

      const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${id}/error-file?format=csv`);
      expect(dutch.raw.toString('utf8').split('\r\n')[2]).toBe('L-1005,NOPE,01-02-2025,,X-1,,Certificaatdefinitiecode bestaat niet');
      expect(dutch.raw.toString('utf8').split('\r\n')[0]).toContain(',Fouten');

      const forDutchExcel = await admin.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${id}/error-file?format=csv&delimiter=semicolon`);
      expect(forDutchExcel.raw.toString('utf8').split('\r\n')[2]).toBe('L-1005;NOPE;01-02-2025;;X-1;;Certificaatdefinitiecode bestaat niet');
    });

    it('takes the error file back fixed: the Errors column is ignored silently and the fixed rows succeed', async () => {
      const download = await admin.get(`/api/imports/${id}/error-file`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(download.raw as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0];
      sheet.getRow(2).getCell(4).value = null; // L-1003 EHBO: no expiry date -> obtained + 24 months
      sheet.getRow(3).getCell(2).value = 'EHBO'; // L-1005: an existing definition
      sheet.getRow(4).getCell(1).value = 'L-1006'; // X-9999 -> a user who exists
      const fixed = Buffer.from(await workbook.xlsx.writeBuffer());

      const retry = await startImport(admin, TYPE, 'Certificates Q1_errors.xlsx', fixed);
      const run = await finished(admin, retry);
      expect(run.status).toBe('completed_with_errors');
      expect(run.warnings).toEqual([]);
      expect(run.counts).toMatchObject({ total: 5, succeeded: 3, failed: 2, skipped: 0 });
      const byRow = await rowByNumber(retry);
      expect([2, 3, 4].map((n) => byRow.get(n)!.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(byRow.get(5)!.errors.map((e) => e.code)).toEqual(['CERTIFICATES.AUTO_NUMBER_WITH_NUMBER']);
      // The neutralised cells came back as what was typed, not with the apostrophe.
      expect(byRow.get(6)!.values).toMatchObject({ 'User Code': '@L-1001', 'Certificate Definition Code': '=1+1' });
      expect(await certificatesOf('L-1003', 'EHBO')).toEqual([{ obtained: '2024-12-31', expires: '2026-12-31', number: 'E-1', auto_numbered: false, source: 'import' }]);
      expect((await certificatesOf('L-1005', 'EHBO')).map((c) => c.number)).toEqual(['X-1']);
      expect((await certificatesOf('L-1006', 'VCA-BASIS')).map((c) => c.number)).toEqual(['X-2']);

      // The second error file has the same columns as the first: no Errors column twice.
      const second = await readSheet((await admin.get(`/api/imports/${retry}/error-file`)).raw, 'xlsx');
      expect(second[0]).toEqual([...CERTIFICATE_HEADER, 'Errors']);
      expect(second).toHaveLength(3);
    });

    it('reads an error file back whatever column its Errors stand in, and keeps the cells aligned in the next error file', async () => {
      const first = (await admin.get(`/api/imports/${id}/error-file?format=csv`)).raw.toString('utf8');
      const rowsOfFirst = await readSheet(Buffer.from(first, 'utf8'), 'csv');
      // The admin moved the Errors column to the front and saved it as a semicolon CSV; nothing fixed.
      const moved = rowsOfFirst.map((cells) => [cells.at(-1)!, ...cells.slice(0, -1)].map(String));
      const quoted = moved.map((cells) => cells.map((c) => (/[;"\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(';')).join('\r\n');
      const retry = await finished(admin, await startImport(admin, TYPE, 'Certificates Q1_errors.csv', Buffer.from(quoted, 'utf8')));
      expect(retry.counts).toMatchObject({ total: 5, failed: 5 });
      expect(retry.warnings).toEqual([]);
      const next = (await admin.get(`/api/imports/${retry.id}/error-file?format=csv`)).raw.toString('utf8');
      expect(next).toBe(first);
    });

    it('creates no duplicates when the same file is uploaded again: those rows are skipped as already registered', async () => {
      const count = await countCertificates();
      const again = await finished(admin, await startImport(admin, TYPE, 'Certificates Q1.xlsx', file));
      expect(again.counts).toMatchObject({ total: 9, succeeded: 0, failed: 5, skipped: 4 });
      expect(await countCertificates()).toBe(count);
      const skipped = await rowsOf(admin, again.id, 'skipped');
      expect(skipped.map((r) => r.rowNumber)).toEqual([2, 3, 5, 9]);
      expect(skipped.find((r) => r.rowNumber === 2)!.warnings.map((w) => w.message)).toEqual(['Already registered (same user, definition, date and number); skipped']);
    });
  });

  it('skips a row as already registered by its whole identity: user, definition, date and number (any case), or automatic', async () => {
    const first = await finished(
      admin,
      await startImport(admin, TYPE, 'identity-1.xlsx', await xlsx(CERTIFICATE_HEADER, [
        ['L-1004', 'EHBO', '03-03-2003', null, 'Case-1', null],
        ['L-1004', 'VCA-BASIS', '03-03-2003', null, null, 'TRUE'],
      ])),
    );
    expect(first.counts).toMatchObject({ total: 2, succeeded: 2 });
    const second = await finished(
      admin,
      await startImport(admin, TYPE, 'identity-2.xlsx', await xlsx(CERTIFICATE_HEADER, [
        /* 2 */ ['L-1004', 'EHBO', '03-03-2003', null, 'CASE-1', null],
        /* 3 */ ['L-1004', 'EHBO', '03-03-2003', null, 'Case-2', null],
        /* 4 */ ['L-1004', 'VCA-BASIS', '03-03-2003', null, null, 'TRUE'],
        /* 5 */ ['L-1004', 'VCA-BASIS', '03-03-2003', null, 'V-3', null],
        /* 6 */ ['L-1004', 'FORKLIFT', '03-03-2003', null, null, 'TRUE'],
        /* 7 */ ['L-1004', 'VCA-BASIS', '04-03-2003', null, null, 'TRUE'],
        /* 8 */ ['L-1004', 'EHBO', '03-03-2003', null, 'case-2', null],
        /* 9 */ ['L-1004', 'FORKLIFT', '3-3-2003', null, null, 'TRUE'],
        /* 10 */ ['L-1005', 'EHBO', '03-03-2003', null, 'Case-1', null],
      ])),
    );
    const outcomes = (await rowsOf(admin, second.id)).map((r) => [r.rowNumber, r.status, r.warnings.map((w) => w.code)]);
    const skipped = ['CERTIFICATES.IMPORT_ALREADY_REGISTERED'];
    expect(outcomes).toEqual([
      [2, 'skipped', skipped],
      [3, 'succeeded', []],
      [4, 'skipped', skipped],
      [5, 'succeeded', []],
      [6, 'succeeded', []],
      [7, 'succeeded', []],
      // The engine already finds row 8 the same as row 3 (a number in another case); row 9 reaches the type.
      [8, 'skipped', ['IMPORTS.DUPLICATE_ROW']],
      [9, 'skipped', skipped],
      [10, 'succeeded', []],
    ]);
    expect((await certificatesOf('L-1004', 'VCA-BASIS')).filter((c) => c.obtained.startsWith('2003-')).map((c) => [c.obtained, c.auto_numbered])).toEqual([
      ['2003-03-03', true],
      ['2003-03-03', false],
      ['2003-03-04', true],
    ]);
  });

  it('answers a group admin with one message for users outside their scope and codes that do not exist', async () => {
    const before = await countCertificates();
    const file = await xlsx(CERTIFICATE_HEADER, [
      ['L-1004', 'VCA-BASIS', '01-02-2025', null, 'GA-OUT', null], // exists, outside the groups
      ['L-1001', 'NOPE', '01-02-2025', null, 'GA-NODEF', null], // definition does not exist
      ['X-404', 'VCA-BASIS', '01-02-2025', null, 'GA-NOUSER', null], // user does not exist
      ['L-1002', 'EHBO', '01-02-2025', null, 'GA-1', null],
    ]);
    const id = await startImport(groupAdmin, TYPE, 'scope.xlsx', file);
    const run = await finished(groupAdmin, id);
    expect(run.counts).toMatchObject({ total: 4, succeeded: 1, failed: 3 });
    const failed = await rowsOf(groupAdmin.withHeaders({ 'accept-language': 'en' }), id, 'failed');
    expect(failed.map((r) => r.rowNumber)).toEqual([2, 3, 4]);
    for (const row of failed) {
      expect(row.errors).toHaveLength(1);
      expect(row.errors[0].message).toBe(NOT_FOUND_OR_UNAUTHORISED);
      expect(row.errors[0].code).toBe('CERTIFICATES.IMPORT_NOT_FOUND_OR_UNAUTHORISED');
    }
    // Nothing in the three answers tells them apart.
    const answers = failed.map((r) => JSON.stringify(r.errors));
    expect(new Set(answers).size).toBe(1);
    const dutch = await rowsOf(groupAdmin.withHeaders({ 'accept-language': 'nl' }), id, 'failed');
    expect(dutch.map((r) => r.errors[0].message)).toEqual(Array(3).fill('Certificaatdefinitiecode of gebruikerscode niet gevonden of geen rechten'));
    expect(await countCertificates()).toBe(before + 1);
    expect((await certificatesOf('L-1004', 'VCA-BASIS')).filter((c) => c.number === 'GA-OUT')).toEqual([]);
    // The group admin sees their own import; the platform admin sees it too.
    expect((await groupAdmin.get('/api/imports')).body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await admin.get(`/api/imports/${id}`)).status).toBe(200);
  });

  it('validates without writing, then runs the same file for real with the same outcomes', async () => {
    const before = await countCertificates();
    const file = await xlsx(CERTIFICATE_HEADER, [
      ['L-1003', 'FORKLIFT', '10-10-2024', null, null, 'TRUE'],
      ['L-1003', 'NOPE', '10-10-2024', null, 'V-0', null],
      ['L-1005', 'VCA-BASIS', '1-1-2025', '1-1-2024', 'V-76', null],
      ['L-1005', 'VCA-BASIS', '1-1-2025', null, 'V-77', null],
      ['L-1005', 'VCA-BASIS', 'soon', null, 'V-78', null],
    ]);
    const checkId = await startImport(admin, TYPE, 'check.xlsx', file, { validateOnly: 'true' });
    const check = await finished(admin, checkId);
    expect(check).toMatchObject({ status: 'completed_with_errors', validateOnly: true });
    // Rows that would succeed are `valid`: validated, never run.
    expect(check.counts).toMatchObject({ total: 5, validated: 5, valid: 3, succeeded: 0, failed: 2, skipped: 0, withWarnings: 1 });
    expect(await countCertificates()).toBe(before);
    expect(await countCertificates(`c.number in ('V-77', 'V-78')`)).toBe(0);
    const checkRows = await rowsOf(admin, checkId);
    expect(checkRows.map((r) => r.status)).toEqual(['valid', 'failed', 'failed', 'valid', 'valid']);
    expect(checkRows.every((r) => r.entityId === null || typeof r.entityId === 'string')).toBe(true);

    const notAValidation = await admin.post(`/api/imports/${checkId}/cancel`);
    expect(notAValidation.status).toBe(409);
    expect(notAValidation.body.code).toBe('IMPORTS.NOT_CANCELLABLE');

    const started = await admin.post(`/api/imports/${checkId}/run`);
    expect(started.status).toBe(202);
    expect(started.body.id).not.toBe(checkId);
    const real = await finished(admin, started.body.id);
    expect(real).toMatchObject({ status: 'completed_with_errors', validateOnly: false, retryOf: checkId, fileName: 'check.xlsx' });
    expect(real.counts).toMatchObject({ total: 5, valid: 0, succeeded: 3, failed: 2, skipped: 0, withWarnings: 1 });
    const realRows = await rowsOf(admin, real.id);
    expect(realRows.map((r) => [r.rowNumber, r.status, r.errors.map((e) => e.message), r.warnings.map((w) => w.code)])).toEqual(
      checkRows.map((r) => [r.rowNumber, r.status === 'valid' ? 'succeeded' : r.status, r.errors.map((e) => e.message), r.warnings.map((w) => w.code)]),
    );
    expect(await countCertificates()).toBe(before + 3);
    const [forklift] = (await certificatesOf('L-1003', 'FORKLIFT')).filter((c) => c.obtained === '2024-10-10');
    expect(forklift).toMatchObject({ auto_numbered: true, expires: '2029-10-10' });
    expect(forklift.number).toMatch(/^FL-\d+$/);

    // A validation runs for real once (a double click starts nothing twice).
    const twice = await admin.post(`/api/imports/${checkId}/run`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('IMPORTS.ALREADY_RUN');

    // Only a validate-only import that has finished can be run for real.
    const rerun = await admin.post(`/api/imports/${real.id}/run`);
    expect(rerun.status).toBe(409);
    expect(rerun.body.code).toBe('IMPORTS.NOT_A_FINISHED_VALIDATION');
  });

  it('refuses form fields it does not understand instead of guessing (validateOnly=yes is not "no")', async () => {
    const file = await xlsx(CERTIFICATE_HEADER, [['L-1001', 'BHV', '01-02-2025', '', 'Y-1', false]]);
    const response = await admin.upload('/api/imports', { type: TYPE, autoConfirm: 'true', validateOnly: 'yes' }, [{ field: 'file', fileName: 'x.xlsx', content: file }]);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('COMMON.VALIDATION_FAILED');
    expect(response.body.errors[0].field).toBe('validateOnly');
  });

  it('reads a semicolon CSV in Windows-1252 from Dutch Excel (no BOM, Dutch headers, accents, the euro sign)', async () => {
    const text = [
      'Gebruikerscode;Certificaatdefinitiecode;Behaaldatum;Vervaldatum;Nummer;Naam',
      'L-1001;NT2-B1;3-4-2025;;\u20ac-\u00c6r\u00f8-1;Jos\u00e9 M\u00fcller',
      'L-1002;EHBO;15-06-2025;;EHBO-Zo\u00eb;Zo\u00eb de Vri\u00ebs',
      'L-1003;EHBO;;;;Fran\u00e7ois',
    ].join('\r\n');
    const content = windows1252(text + '\r\n');
    expect(content.includes(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const id = await startImport(admin, TYPE, 'export_nl_Zo\u00eb.csv', content);
    const run = await finished(admin, id);
    expect(run).toMatchObject({ status: 'completed', fileName: 'export_nl_Zo\u00eb.csv' });
    expect(run.counts).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    expect(run.warnings.map((w) => w.message)).toEqual(['Column(s) not used by this import were ignored: Naam.']);
    // NT2-B1 has no standard validity: no expiry date.
    expect((await certificatesOf('L-1001', 'NT2-B1')).find((c) => c.number === '\u20ac-\u00c6r\u00f8-1')).toMatchObject({ obtained: '2025-04-03', expires: null });
    expect((await certificatesOf('L-1002', 'EHBO')).find((c) => c.number === 'EHBO-Zo\u00eb')).toMatchObject({ obtained: '2025-06-15', expires: '2027-06-15' });
    // No Date Obtained: today, without a warning (the cell is empty, not unrecognised).
    expect((await certificatesOf('L-1003', 'EHBO')).find((c) => c.number === null)).toMatchObject({ obtained: today(), expires: addMonths(today(), 24) });
    const rows = await rowsOf(admin, id);
    expect(rows[0].values).toMatchObject({ Gebruikerscode: 'L-1001', Naam: 'Jos\u00e9 M\u00fcller' });
    expect(rows.map((r) => r.warnings)).toEqual([[], [], []]);
  });

  it('reads a long Windows-1252 CSV whose first accent comes after the first 64 KiB', async () => {
    const filler = (i: number) => `Remark ${i} `.repeat(2500); // ~25 KB of plain ASCII per row
    const text = [
      'Gebruikerscode;Certificaatdefinitiecode;Behaaldatum;Nummer;Opmerking',
      `L-1004;NT2-B1;1-1-2023;LONG-1;${filler(1)}`,
      `L-1004;NT2-B1;1-1-2023;LONG-2;${filler(2)}`,
      `L-1004;NT2-B1;1-1-2023;LONG-3;${filler(3)}`,
      'L-1004;NT2-B1;1-1-2023;LONG-\u00c9\u00e9n-\u20ac;Ren\u00e9e',
    ].join('\r\n');
    const content = windows1252(text + '\r\n');
    expect(content.indexOf(0xc9)).toBeGreaterThan(64 * 1024);
    const run = await finished(admin, await startImport(admin, TYPE, 'long_nl.csv', content));
    expect(run.counts).toMatchObject({ total: 4, succeeded: 4 });
    expect((await certificatesOf('L-1004', 'NT2-B1')).map((c) => c.number)).toContain('LONG-\u00c9\u00e9n-\u20ac');
  });

  it('reads a UTF-8 CSV with a BOM', async () => {
    const content = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csv(CERTIFICATE_HEADER, [
        ['L-1003', 'BHV', '2025-02-01', null, '\u0141\u00f3d\u017a-7', null],
        ['L-1002', 'FORKLIFT', '02-02-2025', '02-02-2026', null, 'TRUE'],
      ]),
    ]);
    const id = await startImport(admin, TYPE, 'utf8.csv', content);
    const run = await finished(admin, id);
    expect(run.status).toBe('completed');
    expect(run.warnings).toEqual([]);
    expect(run.counts).toMatchObject({ total: 2, succeeded: 2 });
    expect((await certificatesOf('L-1003', 'BHV')).find((c) => c.number === '\u0141\u00f3d\u017a-7')).toMatchObject({ obtained: '2025-02-01', expires: '2026-02-01' });
    const [forklift] = (await certificatesOf('L-1002', 'FORKLIFT')).filter((c) => c.obtained === '2025-02-02');
    expect(forklift).toMatchObject({ expires: '2026-02-02', auto_numbered: true });
  });

  it('cancels a running import: rows done stay done and are reported, nothing is written afterwards', async () => {
    const total = 20_000;
    const users = ['L-1001', 'L-1002', 'L-1003', 'L-1004', 'L-1005', 'L-1006'];
    const rows: Cell[][] = Array.from({ length: total }, (_, i) => [users[i % users.length], 'NT2-B1', '01-01-2020', null, `BULK-${i + 1}`, null]);
    const id = await startImport(admin, TYPE, 'bulk.csv', csv(CERTIFICATE_HEADER, rows, ';'));
    // Follow the import live, and cancel it as soon as the stream shows the first rows done.
    let cancelling: Promise<HttpResponse> | undefined;
    const live = readEvents(`${app.url}/api/imports/${id}/events`, adminToken, 60_000, ({ data }) => {
      if (!cancelling && data.status === 'processing' && data.counts.processed > 0) cancelling = admin.post(`/api/imports/${id}/cancel`);
    });
    await eventually(async () => cancelling, 30_000, 20);
    const cancelled = await cancelling!;
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');

    // What the cancel answers is final: a chunk that was running when it came is rolled back, not counted later.
    const bulk = () => countCertificates(`c.number like 'BULK-%'`);
    expect(await bulk()).toBe(cancelled.body.counts.succeeded);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const run = (await admin.get<ImportBody>(`/api/imports/${id}`)).body;
    expect(run.counts).toEqual(cancelled.body.counts);
    expect(run.status).toBe('cancelled');
    expect(run.counts.total).toBe(total);
    expect(run.counts.processed).toBeGreaterThan(0);
    expect(run.counts.processed).toBeLessThan(total);
    expect(run.counts.processed).toBe(run.counts.succeeded);
    expect(run.finishedAt).toEqual(expect.any(String));
    const written = await bulk();
    expect(written).toBe(run.counts.succeeded);
    const reported = await admin.get(`/api/imports/${id}/rows?pageSize=1`);
    expect(reported.body.meta.total).toBe(run.counts.processed);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await bulk()).toBe(written);
    expect((await admin.get<ImportBody>(`/api/imports/${id}`)).body.counts).toEqual(run.counts);
    const again = await admin.post(`/api/imports/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('IMPORTS.NOT_CANCELLABLE');

    // The live stream followed the import through processing to the cancel.
    const { events } = await live;
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'cancelled', counts: run.counts } });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as ImportBody);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.some((p) => p.status === 'processing' && p.counts.processed > 0)).toBe(true);
    const processed = progress.map((p) => p.counts.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
  });

  it('notifies the admin in the app and counts the imports per day (asynchronously, via the outbox)', async () => {
    const all = (await admin.get<{ items: ImportBody[] }>('/api/imports?pageSize=500')).body.items;
    const ended = all.filter((i) => ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(i.status));
    expect(ended.length).toBe(all.length);
    const adminId = (await admin.get('/api/auth/me')).body.userId as string;
    const mine = ended.filter((i) => (i.startedBy as { id: string }).id === adminId);
    expect(mine.length).toBe(ended.length - 1); // one is the group admin's

    const notifications = await eventually(async () => {
      const response = await admin.get('/api/notifications');
      const forImports = response.body.filter((n: { kind: string }) => n.kind === 'import-completed');
      return forImports.length >= mine.length ? forImports : undefined;
    });
    const first = mine.find((i) => i.fileName === 'Certificates Q1.xlsx' && i.counts.succeeded === 3)!;
    const note = notifications.find((n: { link: string }) => n.link === `/api/imports/${first.id}`);
    expect(note.title).toBe('Import of Certificates Q1.xlsx finished with errors: 3 succeeded, 5 failed, 1 skipped. Download the error file.');
    const cancelled = mine.find((i) => i.status === 'cancelled')!;
    expect(notifications.find((n: { link: string }) => n.link === `/api/imports/${cancelled.id}`).title).toBe(
      `Import of bulk.csv was cancelled after ${cancelled.counts.succeeded} succeeded and 0 failed rows.`,
    );
    const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).get('/api/notifications');
    expect(dutch.body.find((n: { link: string }) => n.link === `/api/imports/${first.id}`).title).toBe(
      'Import van Certificates Q1.xlsx klaar met fouten: 3 gelukt, 5 mislukt, 1 overgeslagen. Download het foutenbestand.',
    );
    // The group admin was told about their own import, and only that.
    const theirs = (await groupAdmin.get('/api/notifications')).body.filter((n: { kind: string }) => n.kind === 'import-completed');
    expect(theirs).toHaveLength(1);

    const sum = (list: ImportBody[], pick: (i: ImportBody) => number) => list.reduce((total, i) => total + pick(i), 0);
    const expected = [false, true].map((validateOnly) => {
      const of = ended.filter((i) => i.validateOnly === validateOnly);
      return {
        day: today(),
        importType: TYPE,
        validateOnly,
        imports: of.length,
        importsFailed: of.filter((i) => i.status === 'failed').length,
        rowsSucceeded: sum(of, (i) => i.counts.succeeded),
        rowsFailed: sum(of, (i) => i.counts.failed),
        rowsSkipped: sum(of, (i) => i.counts.skipped),
      };
    });
    expect(expected[0].imports).toBeGreaterThanOrEqual(6);
    expect(expected[1].imports).toBe(1);
    const report = await eventually(async () => {
      const response = await admin.get(`/api/reports/imports-per-day?importType=${TYPE}&from=${today()}`);
      const counted = sum(response.body, (row: any) => row.imports);
      return counted >= ended.length ? response.body : undefined;
    }, 15_000);
    expect(report).toEqual(expected);
  });

  it('does not turn an import that ended while the cancel waited into a cancelled one', async () => {
    const rows: Cell[][] = Array.from({ length: 5000 }, (_, i) => ['L-1001', 'NT2-B1', '02-01-2020', null, `RACE-${i + 1}`, null]);
    const id = await startImport(admin, TYPE, 'race.csv', csv(CERTIFICATE_HEADER, rows));
    await eventually(async () => (await admin.get<ImportBody>(`/api/imports/${id}`)).body.status === 'processing', 30_000, 20);
    // Hold the import's row as the transaction of the last chunk does, and end the import in it (without
    // ImportCompleted, hence last in this file: the notification and report test above counts events).
    const client = new pg.Client({ connectionString: app.database.url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('select id from imports where id = $1 for update', [id]);
      const cancel = admin.post(`/api/imports/${id}/cancel`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await client.query(`update imports set status = 'completed', finished_at = now() where id = $1`, [id]);
      await client.query('commit');
      const answer = await cancel;
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(answer.body.code).toBe('IMPORTS.NOT_CANCELLABLE');
    } finally {
      await client.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await admin.get<ImportBody>(`/api/imports/${id}`)).body.status).toBe('completed');
  });
});
