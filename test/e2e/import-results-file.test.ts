import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xlsx, type Cell } from '../support/files.js';
import { Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, rowsOf, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates';
/** The uploaded header names the user column by its Dutch alias: messages about it must say so. */
const UPLOADED_HEADER = ['Gebruikerscode', ...CERTIFICATE_HEADER.slice(1)];

/** Every row of an import, in row order, with its outcome, errors, warnings and entity: as XLSX and CSV. */
describe('the results file of an import (real Postgres, Redis, workers)', () => {
  let app: TestApp;
  let admin: Http;
  let groupAdmin: Http;
  let id: string;
  const rows: Cell[][] = [
    /* 2 */ ['L-1001', 'VCA-BASIS', '15-03-2025', null, null, true],
    /* 3 */ ['L-1002', 'bhv', '5-1-2025', null, 'RF-1', false],
    /* 4 */ ['L-1004', 'FORKLIFT', 'sometime last year', null, 'RF-9', null],
    /* 5 */ ['L-1005', 'NOPE', '01-02-2025', null, 'RF-X', null],
    /* 6 */ ['L-1006', 'VCA-BASIS', '01-02-2025', null, 'N-1', true],
    /* 7 */ ['L-1002', 'bhv', '5-1-2025', null, 'RF-1', false],
    /* 8 */ ['@L-1001', '=1+1', '-5', null, '+31 6 1234', null],
  ];

  beforeAll(async () => {
    app = await startTestApp();
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    id = await startImport(admin, TYPE, 'Results Q1.xlsx', await xlsx(UPLOADED_HEADER, rows));
    const run = await finished(admin, id);
    expect(run.counts).toMatchObject({ total: 7, succeeded: 3, failed: 3, skipped: 1 });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** What the results file must say for each row, built from the per-row results of the API. */
  const expectedRows = async () => {
    const columns = new Map(CERTIFICATE_HEADER.map((header, index) => [['userCode', 'definitionCode', 'dateObtained', 'dateExpires', 'number', 'autoNumber'][index], header]));
    columns.set('userCode', 'Gebruikerscode');
    const lines = (messages: { message: string; column?: string }[]) => messages.map((m) => `${m.column ? `${columns.get(m.column)}: ` : ''}${m.message}`).join('\n');
    return (await rowsOf(admin, id)).map((r) => ({ rowNumber: r.rowNumber, status: r.status, errors: lines(r.errors), warnings: lines(r.warnings), entity: r.entityId ?? '' }));
  };

  it('holds every row as XLSX: Row, the uploaded cells, Outcome, Errors and Warnings one a line with their column, Entity; formulas neutralised', async () => {
    const file = await admin.get(`/api/imports/${id}/results-file`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('spreadsheetml');
    expect(file.headers.get('content-disposition')).toContain('Results Q1_results.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.raw as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    const values: unknown[][] = [];
    sheet.eachRow((row) => values.push(Array.from({ length: UPLOADED_HEADER.length + 5 }, (_, index) => row.getCell(index + 1).value ?? '')));
    expect(values[0]).toEqual(['Row', ...UPLOADED_HEADER, 'Outcome', 'Errors', 'Warnings', 'Entity']);
    expect(values).toHaveLength(8);
    expect(values.slice(1).map((r) => r[0])).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(values.slice(1).map((r) => r[7])).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Failed', 'Failed', 'Skipped', 'Failed']);

    const expected = await expectedRows();
    expect(expected.map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    for (const [index, row] of expected.entries()) {
      expect(values[index + 1].slice(8), `row ${row.rowNumber}`).toEqual([row.errors, row.warnings, row.entity]);
    }
    // Spelled out, so that the expectation above is not only the API agreeing with itself.
    expect(values[1][10]).toMatch(/^[0-9a-f-]{36}$/);
    expect(values[3].slice(1, 6)).toEqual(['L-1004', 'FORKLIFT', 'sometime last year', '', 'RF-9']);
    expect(values[3][9]).toMatch(/^Date Obtained: Date Obtained "sometime last year" was not recognised/);
    expect(values[5].slice(8, 11)).toEqual(['Auto Number: Give a number (N-1) or ask for an automatic number, not both.', '', '']);
    expect(values[6].slice(7, 11)).toEqual(['Skipped', '', 'Same as row 3; skipped.', '']);
    expect(values[7]).toEqual([
      8,
      "'@L-1001",
      "'=1+1",
      "'-5",
      '',
      "'+31 6 1234",
      '',
      'Failed',
      'Certificate Definition Code: Certificate definition code does not exist\nGebruikerscode: User code does not exist',
      expect.stringMatching(/^Date Obtained: Date Obtained "-5" was not recognised/),
      '',
    ]);
  });

  it('holds every row as a semicolon CSV with Dutch headers and texts for Accept-Language nl', async () => {
    const file = await admin.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${id}/results-file?format=csv&delimiter=semicolon`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('text/csv');
    expect(file.headers.get('content-disposition')).toContain('Results Q1_results.csv');
    expect(file.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = file.raw.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(['Rij', ...UPLOADED_HEADER, 'Resultaat', 'Fouten', 'Waarschuwingen', 'Entiteit'].join(';'));
    expect(lines).toHaveLength(9); // header, seven rows, and the empty string after the last CRLF
    expect(lines.slice(1, -1).map((l) => Number(l.split(';')[0]))).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const entity = (await rowsOf(admin, id)).find((r) => r.rowNumber === 2)!.entityId;
    expect(lines[1]).toBe(`2;L-1001;VCA-BASIS;15-03-2025;;;TRUE;Gelukt;;;${entity}`);
    expect(lines[4]).toBe('5;L-1005;NOPE;01-02-2025;;RF-X;;Mislukt;Certificate Definition Code: Certificaatdefinitiecode bestaat niet;;');
    expect(lines[6]).toBe('7;L-1002;bhv;5-1-2025;;RF-1;FALSE;Overgeslagen;;"Gelijk aan rij 3; overgeslagen.";');
    // Two errors: one a line, inside one quoted cell; the formula-like cells neutralised.
    expect(text).toContain(
      `8;'@L-1001;'=1+1;'-5;;'+31 6 1234;;Mislukt;"Certificate Definition Code: Certificaatdefinitiecode bestaat niet\nGebruikerscode: Gebruikerscode bestaat niet";"Date Obtained: Behaaldatum ""-5"" is niet herkend`,
    );
    expect(text).not.toMatch(/(^|;)=1\+1/m);
  });

  it('leaves out the report columns of a results file that was uploaded again, so they do not appear twice', async () => {
    const results = (await admin.get(`/api/imports/${id}/results-file`)).raw;
    const again = await startImport(admin, TYPE, 'Results Q1_results.xlsx', results);
    const run = await finished(admin, again);
    expect(run.counts.total).toBe(7);
    const header = (await admin.get(`/api/imports/${again}/results-file?format=csv`)).raw.toString('utf8').slice(1).split('\r\n')[0];
    expect(header).toBe(['Row', ...UPLOADED_HEADER, 'Outcome', 'Errors', 'Warnings', 'Entity'].join(','));
  });

  it('gives an import that is still running with the rows recorded so far', async () => {
    const running = await startImport(admin, TYPE, 'running.xlsx', await xlsx(CERTIFICATE_HEADER, rows.slice(0, 3)));
    await finished(admin, running);
    // Back to the middle of its run: processing, two of its three rows recorded.
    await app.sql(`update imports set status = 'processing', finished_at = null where id = $1`, [running]);
    await app.sql(`delete from import_row_results where import_id = $1 and row_number = 4`, [running]);
    expect((await admin.get(`/api/imports/${running}`)).body.status).toBe('processing');
    const lines = (await admin.get(`/api/imports/${running}/results-file?format=csv`)).raw.toString('utf8').slice(1).split('\r\n');
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['2', '3']);
  });

  it('answers 404 to another admin who cannot see the import, as for a missing one', async () => {
    for (const query of ['', '?format=csv']) {
      const response = await groupAdmin.get(`/api/imports/${id}/results-file${query}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('IMPORTS.IMPORT_NOT_FOUND');
    }
    expect((await admin.get(`/api/imports/00000000-0000-4000-8000-000000000000/results-file`)).status).toBe(404);
  });

  it('downloads through a one-time link (download ticket) in the language asked for, for that file of that import only', async () => {
    const anonymous = new Http(app.url);
    const issued = await admin.withHeaders({ 'accept-language': 'nl' }).post(`/api/imports/${id}/download-ticket`, { file: 'results-file', format: 'csv', delimiter: 'semicolon' });
    expect(issued.status).toBe(201);
    expect(issued.body.url).toMatch(new RegExp(`^/api/imports/${id}/results-file\\?format=csv&delimiter=semicolon&lang=nl&ticket=[A-Za-z0-9_-]{43}$`));
    // A HEAD (a link preview, a prefetch) does not spend it.
    expect((await fetch(app.url + issued.body.url, { method: 'HEAD' })).status).toBe(401);
    // A browser link: no Authorization header, the browser's own Accept-Language.
    const file = await anonymous.withHeaders({ 'accept-language': 'en' }).get(issued.body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('Results Q1_results.csv');
    expect(file.headers.get('cache-control')).toBe('no-store');
    expect(file.raw.toString('utf8').slice(1).split('\r\n')[0]).toBe(['Rij', ...UPLOADED_HEADER, 'Resultaat', 'Fouten', 'Waarschuwingen', 'Entiteit'].join(';'));
    // Used up: the same link (from the browser's history) opens nothing.
    const again = await anonymous.get(issued.body.url);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('COMMON.STREAM_TICKET_INVALID');

    // A ticket opens its own file only: not the other file, not the same file of another import (and one tried
    // elsewhere is used up by the try).
    const errorsTicket = (await admin.post(`/api/imports/${id}/download-ticket`, { file: 'error-file' })).body;
    expect((await anonymous.get(`/api/imports/${id}/results-file?ticket=${errorsTicket.ticket}`)).status).toBe(401);
    expect((await anonymous.get(errorsTicket.url)).status).toBe(401);
    const other = await startImport(admin, TYPE, 'other.xlsx', await xlsx(CERTIFICATE_HEADER, rows.slice(3, 5)));
    await finished(admin, other);
    const otherTicket = (await admin.post(`/api/imports/${other}/download-ticket`, { file: 'error-file' })).body;
    expect((await anonymous.get(`/api/imports/${id}/error-file?ticket=${otherTicket.ticket}`)).status).toBe(401);
    const errors = await anonymous.get((await admin.post(`/api/imports/${other}/download-ticket`, { file: 'error-file' })).body.url);
    expect(errors.status).toBe(200);
    expect(errors.headers.get('content-disposition')).toContain('other_errors.xlsx');
  });

  it('checks a download ticket as the download: who may see the import, that rows failed, which file', async () => {
    const refused = await groupAdmin.post(`/api/imports/${id}/download-ticket`, { file: 'results-file' });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('IMPORTS.IMPORT_NOT_FOUND');
    const clean = await startImport(admin, TYPE, 'clean.xlsx', await xlsx(CERTIFICATE_HEADER, rows.slice(0, 1)));
    await finished(admin, clean);
    const noFailures = await admin.post(`/api/imports/${clean}/download-ticket`, { file: 'error-file' });
    expect(noFailures.status).toBe(400);
    expect(noFailures.body.code).toBe('IMPORTS.NO_FAILED_ROWS');
    expect((await admin.post(`/api/imports/${clean}/download-ticket`, { file: 'upload' })).status).toBe(400);
    expect((await new Http(app.url).post(`/api/imports/${clean}/download-ticket`, { file: 'results-file' })).status).toBe(401);
  });
});
