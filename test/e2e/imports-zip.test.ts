import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoragePort } from '#libs/storage/storage.port.js';
import { StoredFileCollector } from '#libs/storage/stored-file-collector.js';
import { csv, EXE, pdf, PNG, xlsx, zip, type Cell } from '../support/files.js';
import { Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, rowsOf, startImport, WITH_FILES_HEADER } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates-with-files';
/** Whether these bytes are in the app's (content-addressed) storage. */
const inStorage = (app: TestApp, bytes: Buffer) => {
  const key = createHash('sha256').update(bytes).digest('hex');
  return existsSync(join(app.config.storageDir, key.slice(0, 2), key.slice(2, 4), key));
};
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(64, 7)]);

describe('imports: obtained certificates with attachments from a ZIP (HTTP, real Postgres/Redis, workers)', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;

  beforeAll(async () => {
    app = await startTestApp();
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
  });
  afterAll(() => app?.close());

  const count = async (table: 'obtained_certificates' | 'obtained_certificate_attachments') =>
    Number((await app.sql<{ count: string }>(`select count(*) as count from ${table}`))[0].count);

  const certificate = async (id: string) => {
    const response = await admin.get(`/api/obtained-certificates/${id}`);
    expect(response.status).toBe(200);
    return response.body as { id: string; number: string | null; definitionCode: string; attachments: { id: string; fileName: string; mediaType: string; size: number }[] };
  };

  const download = async (certificateId: string, attachmentId: string) => {
    const response = await admin.get(`/api/obtained-certificates/${certificateId}/attachments/${attachmentId}/content`);
    expect(response.status).toBe(200);
    return response;
  };

  describe('a ZIP with a sheet, attachments, near misses, a disguised executable and operating-system files', () => {
    const diploma = pdf('Diploma Lena de Vries');
    const decomposed = 'Jose\u0301.pdf'; // how macOS writes "José.pdf" into a ZIP
    const rows: Cell[][] = [
      /* 2 */ ['Diploma Lena.pdf', 'L-1001', 'VCA-BASIS', '01-03-2025', null, null, true],
      /* 3 */ ['Jos\u00e9.pdf', 'L-1002', 'BHV', '01-03-2025', null, 'Z-3', null],
      /* 4 */ ['cert.pdf', 'L-1003', 'EHBO', '01-03-2025', null, 'Z-4', null],
      /* 5 */ ['missing.pdf', 'L-1005', 'EHBO', '01-03-2025', null, 'Z-5', null],
      /* 6 */ ['setup.pdf', 'L-1006', 'EHBO', '01-03-2025', null, 'Z-6', null],
      /* 7 */ ['scan.png', 'L-1002', 'EHBO', '02-03-2025', null, 'Z-7', null],
      /* 8 */ ['Diploma Lena.pdf', 'L-1004', 'FORKLIFT', '03-03-2025', null, 'Z-8', null],
    ];
    let archive: Buffer;
    let id: string;
    let before: { certificates: number; attachments: number };

    beforeAll(async () => {
      archive = await zip([
        { name: 'certificates.xlsx', content: await xlsx(WITH_FILES_HEADER, rows) },
        { name: 'Diploma Lena.pdf', content: diploma },
        { name: decomposed, content: pdf('Jose') },
        { name: 'CERT.PDF', content: pdf('cert') },
        { name: 'setup.pdf', content: EXE },
        { name: 'scan.png', content: PNG },
        { name: 'unused.pdf', content: pdf('unused') },
        { name: 'spare photo.jpg', content: JPEG },
        { name: '__MACOSX/._Diploma Lena.pdf', content: Buffer.from('resource fork') },
        { name: '._x.pdf', content: Buffer.from('apple double') },
        { name: '.DS_Store', content: Buffer.from('finder') },
      ]);
      before = { certificates: await count('obtained_certificates'), attachments: await count('obtained_certificate_attachments') };
      id = await startImport(admin, TYPE, 'certificates with scans.zip', archive);
    });

    it('imports the rows whose files are there and attaches the files byte for byte', async () => {
      const run = await finished(admin, id);
      expect(run.status).toBe('completed_with_errors');
      expect(run.counts).toMatchObject({ total: 7, processed: 7, succeeded: 3, failed: 4, skipped: 0 });
      expect(await count('obtained_certificates')).toBe(before.certificates + 3);
      expect(await count('obtained_certificate_attachments')).toBe(before.attachments + 3);

      const succeeded = await rowsOf(admin, id, 'succeeded');
      expect(succeeded.map((r) => r.rowNumber)).toEqual([2, 7, 8]);
      const lena = await certificate(succeeded[0].entityId!);
      expect(lena).toMatchObject({ definitionCode: 'VCA-BASIS', number: expect.stringMatching(/^VCA-\d+$/) });
      expect(lena.attachments).toEqual([{ id: expect.any(String), fileName: 'Diploma Lena.pdf', mediaType: 'application/pdf', size: diploma.length }]);
      const bytes = await download(lena.id, lena.attachments[0].id);
      expect(bytes.headers.get('content-type')).toContain('application/pdf');
      expect(bytes.raw.equals(diploma)).toBe(true);

      const scan = await certificate(succeeded[1].entityId!);
      expect(scan.attachments).toEqual([{ id: expect.any(String), fileName: 'scan.png', mediaType: 'image/png', size: PNG.length }]);
      expect((await download(scan.id, scan.attachments[0].id)).raw.equals(PNG)).toBe(true);

      // The same file used by two rows is attached to both.
      const again = await certificate(succeeded[2].entityId!);
      expect((await download(again.id, again.attachments[0].id)).raw.equals(diploma)).toBe(true);
    });

    it('fails rows whose file is missing, differs only in case or Unicode normalisation (naming the file in the ZIP), or is not a PDF/PNG/JPEG', async () => {
      const failed = new Map((await rowsOf(admin, id, 'failed')).map((r) => [r.rowNumber, r]));
      expect([...failed.keys()]).toEqual([3, 4, 5, 6]);
      const message = (row: number) => failed.get(row)!.errors.map((e) => e.message);
      expect(message(5)).toEqual(['File not found']);
      expect(message(3)).toHaveLength(1);
      expect(message(3)[0]).toMatch(/^File not found/);
      expect(message(3)[0]).toContain(`"${decomposed}"`);
      expect(message(4)).toHaveLength(1);
      expect(message(4)[0]).toMatch(/^File not found/);
      expect(message(4)[0]).toContain('"CERT.PDF"');
      expect(message(6)).toEqual(['File "setup.pdf" is not a PDF, PNG or JPEG (checked by its content, not its name)']);
      for (const row of failed.values()) expect(row.errors[0].column).toBe('fileName');

      const dutch = new Map((await rowsOf(admin.withHeaders({ 'accept-language': 'nl' }), id, 'failed')).map((r) => [r.rowNumber, r]));
      expect(dutch.get(5)!.errors.map((e) => e.message)).toEqual(['Bestand niet gevonden']);
      expect(dutch.get(4)!.errors[0].message).toMatch(/^Bestand niet gevonden: de ZIP bevat "CERT\.PDF"/);
    });

    it('ignores operating-system files and warns about files no row uses', async () => {
      const run = await finished(admin, id);
      expect(run.warnings.map((w) => w.code).sort()).toEqual(['IMPORTS.IGNORED_SYSTEM_FILES', 'IMPORTS.UNUSED_FILES']);
      const unused = run.warnings.find((w) => w.code === 'IMPORTS.UNUSED_FILES')!;
      expect(unused.message).toBe('2 file(s) in the ZIP are not used by any row: spare photo.jpg, unused.pdf.');
      expect(run.warnings.find((w) => w.code === 'IMPORTS.IGNORED_SYSTEM_FILES')!.message).toBe(
        '3 operating-system file(s) were ignored (__MACOSX, .DS_Store, ...).',
      );
      expect(run.header).toEqual(WITH_FILES_HEADER);
    });

    it('unpacks into storage only the attachments that valid rows name; the others are listed, never unpacked', async () => {
      await finished(admin, id);
      // Named by a row: unpacked (the executable too: its row fails on its bytes, typed at unpacking).
      for (const bytes of [diploma, PNG, EXE]) expect(inStorage(app, bytes)).toBe(true);
      // Named by no row (unused, near misses, operating-system files): never written.
      for (const bytes of [pdf('Jose'), pdf('cert'), pdf('unused'), JPEG, Buffer.from('resource fork'), Buffer.from('apple double'), Buffer.from('finder')]) {
        expect(inStorage(app, bytes)).toBe(false);
      }
      const listed = await app.sql<{ name: string; stored: boolean }>(`select name, storage_key is not null as stored from import_files where import_id = $1 order by name`, [id]);
      expect(listed).toEqual(
        [
          { name: 'CERT.PDF', stored: false },
          { name: 'Diploma Lena.pdf', stored: true },
          { name: decomposed, stored: false },
          { name: 'scan.png', stored: true },
          { name: 'setup.pdf', stored: true },
          { name: 'spare photo.jpg', stored: false },
          { name: 'unused.pdf', stored: false },
        ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
    });

    it('gives an error file with the failed rows and their reasons', async () => {
      const file = await admin.get(`/api/imports/${id}/error-file?format=csv`);
      expect(file.status).toBe(200);
      const lines = file.raw.toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
      expect(lines[0]).toBe([...WITH_FILES_HEADER, 'Errors'].join(','));
      expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['Jos\u00e9.pdf', 'cert.pdf', 'missing.pdf', 'setup.pdf']);
      expect(lines[3]).toBe('missing.pdf,L-1005,EHBO,01-03-2025,,Z-5,,File not found');
    });
  });

  it('treats a single top-level folder as the root, with a warning', async () => {
    const scan = pdf('wrapped');
    const archive = await zip([
      { name: 'Export 2025/certificates.csv', content: csv(WITH_FILES_HEADER, [['wrapped.pdf', 'L-1003', 'BHV', '04-04-2025', null, 'W-1', null]]) },
      { name: 'Export 2025/wrapped.pdf', content: scan },
      { name: '__MACOSX/Export 2025/._wrapped.pdf', content: Buffer.from('fork') },
      // Excel's owner file, left next to the sheet when it is zipped while open in Excel.
      { name: 'Export 2025/~$certificates.xlsx', content: Buffer.concat([Buffer.from([0x0b]), Buffer.from('Ada Admin'), Buffer.alloc(150)]) },
    ]);
    const run = await finished(admin, await startImport(admin, TYPE, 'wrapped.zip', archive));
    expect(run.status).toBe('completed');
    expect(run.counts).toMatchObject({ total: 1, succeeded: 1 });
    expect(run.warnings.map((w) => w.message)).toEqual([
      'Everything in the ZIP sat in the folder "Export 2025"; it was treated as the root. Next time, zip the files themselves.',
      '2 operating-system file(s) were ignored (__MACOSX, .DS_Store, ...).',
    ]);
    const [row] = await rowsOf(admin, run.id);
    const stored = await certificate(row.entityId!);
    expect((await download(stored.id, stored.attachments[0].id)).raw.equals(scan)).toBe(true);
  });

  describe('refuses ZIPs it cannot trust as a whole, writing nothing', () => {
    const expectRefused = async (fileName: string, archive: Buffer, message: string) => {
      const certificates = await count('obtained_certificates');
      const run = await finished(admin, await startImport(admin, TYPE, fileName, archive));
      expect(run.status).toBe('failed');
      expect(run.failure!.message).toBe(message);
      expect(run.counts.processed).toBe(0);
      expect(await count('obtained_certificates')).toBe(certificates);
      expect(Number((await app.sql<{ count: string }>('select count(*) as count from import_row_results where import_id = $1', [run.id]))[0].count)).toBe(0);
      return run;
    };
    const sheet = () => xlsx(WITH_FILES_HEADER, [['a.pdf', 'L-1001', 'EHBO', '01-01-2025', null, 'S-1', null]]);

    it('files in several subfolders: the import fails naming them', async () => {
      const archive = await zip([
        { name: 'certificates.xlsx', content: await sheet() },
        { name: 'scans/a.pdf', content: pdf('a') },
        { name: 'more/deeper/b.pdf', content: pdf('b') },
      ]);
      const run = await expectRefused('nested.zip', archive, 'Put all files in the root of the ZIP; these are in subfolders: scans/a.pdf, more/deeper/b.pdf.');
      const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).get(`/api/imports/${run.id}`);
      expect(dutch.body.failure.message).toBe('Zet alle bestanden in de hoofdmap van de ZIP; deze staan in submappen: scans/a.pdf, more/deeper/b.pdf.');
    });

    it('no spreadsheet, or two of them', async () => {
      await expectRefused('no-sheet.zip', await zip([{ name: 'a.pdf', content: pdf('a') }]), 'The ZIP must hold exactly one spreadsheet (.xlsx or .csv) in its root; it holds none.');
      await expectRefused(
        'two-sheets.zip',
        await zip([
          { name: 'first.xlsx', content: await sheet() },
          { name: 'second.csv', content: csv(WITH_FILES_HEADER, []) },
          { name: 'a.pdf', content: pdf('a') },
        ]),
        'The ZIP must hold exactly one spreadsheet (.xlsx or .csv) in its root; it holds 2: first.xlsx, second.csv.',
      );
    });
  });

  it('validates a ZIP without writing certificates or attachments, then runs it for real', async () => {
    const scan = pdf('validate first');
    const archive = await zip([
      { name: 'sheet.xlsx', content: await xlsx(WITH_FILES_HEADER, [
        ['check.pdf', 'L-1005', 'NT2-B1', '05-05-2025', null, 'V-1', null],
        ['nope.pdf', 'L-1006', 'NT2-B1', '05-05-2025', null, 'V-2', null],
      ]) },
      { name: 'check.pdf', content: scan },
    ]);
    const certificates = await count('obtained_certificates');
    const attachments = await count('obtained_certificate_attachments');
    const check = await finished(admin, await startImport(admin, TYPE, 'validate.zip', archive, { validateOnly: 'true' }));
    expect(check).toMatchObject({ status: 'completed_with_errors', validateOnly: true });
    expect(check.counts).toMatchObject({ total: 2, valid: 1, succeeded: 0, failed: 1 });
    expect(await count('obtained_certificates')).toBe(certificates);
    expect(await count('obtained_certificate_attachments')).toBe(attachments);
    const checkRows = await rowsOf(admin, check.id);

    const started = await admin.post(`/api/imports/${check.id}/run`);
    expect(started.status).toBe(202);
    const real = await finished(admin, started.body.id);
    expect(real).toMatchObject({ status: 'completed_with_errors', validateOnly: false, retryOf: check.id });
    const realRows = await rowsOf(admin, real.id);
    expect(realRows.map((r) => [r.rowNumber, r.status, r.errors.map((e) => e.message)])).toEqual(checkRows.map((r) => [r.rowNumber, r.status === 'valid' ? 'succeeded' : r.status, r.errors.map((e) => e.message)]));
    expect(realRows[1].errors.map((e) => e.message)).toEqual(['File not found']);
    expect(await count('obtained_certificates')).toBe(certificates + 1);
    expect(await count('obtained_certificate_attachments')).toBe(attachments + 1);
    const stored = await certificate(realRows[0].entityId!);
    expect((await download(stored.id, stored.attachments[0].id)).raw.equals(scan)).toBe(true);
  });

  it('keeps a group admin from learning who exists outside their scope, and checks permission and file kind', async () => {
    const archive = await zip([
      { name: 'sheet.csv', content: csv(WITH_FILES_HEADER, [
        ['a.pdf', 'L-1004', 'EHBO', '06-06-2025', null, 'G-1', null],
        ['a.pdf', 'L-9999', 'EHBO', '06-06-2025', null, 'G-2', null],
        ['a.pdf', 'L-1003', 'EHBO', '06-06-2025', null, 'G-3', null],
      ]) },
      { name: 'a.pdf', content: pdf('group') },
    ]);
    const run = await finished(groupAdmin, await startImport(groupAdmin, TYPE, 'group.zip', archive));
    expect(run.counts).toMatchObject({ total: 3, succeeded: 1, failed: 2 });
    const failed = await rowsOf(groupAdmin.withHeaders({ 'accept-language': 'en' }), run.id, 'failed');
    expect(failed.map((r) => r.errors.map((e) => e.message))).toEqual([
      ['Certificate definition code or user code not found or unauthorised'],
      ['Certificate definition code or user code not found or unauthorised'],
    ]);

    const learner = await http.login('lena@example.com');
    const forbidden = await learner.upload('/api/imports', { type: TYPE, autoConfirm: 'true' }, [{ field: 'file', fileName: 'x.zip', content: archive }]);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.params.permission).toBe('imports.obtained-certificates-with-files');

    const wrongKind = await admin.upload('/api/imports', { type: TYPE, autoConfirm: 'true' }, [{ field: 'file', fileName: 'sheet.xlsx', content: await xlsx(WITH_FILES_HEADER, []) }]);
    expect(wrongKind.status).toBe(415);
    expect(wrongKind.body.code).toBe('IMPORTS.FILE_KIND_NOT_ACCEPTED');
  });

  describe('the stored-file collector', () => {
    let gc: TestApp;
    let gcAdmin: Http;
    beforeAll(async () => {
      // No grace period and no timer: the test runs the collector itself, with nothing else running.
      gc = await startTestApp({ env: { STORAGE_COLLECT_GRACE_MS: '0', STORAGE_COLLECT_INTERVAL_MS: '0', IMPORT_UPLOAD_RETENTION_DAYS: '1' } });
      gcAdmin = await new Http(gc.url).login('admin@example.com');
    });
    afterAll(() => gc?.close());

    const sheetOf = (rows: [string, string, string][]) => csv(WITH_FILES_HEADER, rows.map(([file, user, number]) => [file, user, 'EHBO', '01-01-2025', null, number, null]));

    it('removes the files of failed and validate-only imports, keeps a file a completed import attached, and expires uploads after the retention', async () => {
      const collector = gc.running.app.get(StoredFileCollector);
      const shared = pdf('shared by two imports');
      const ownFile = pdf('only in the validation');
      // A: completed for real; its certificate attaches shared.pdf.
      const archiveA = await zip([{ name: 'a.csv', content: sheetOf([['shared.pdf', 'L-1001', 'GC-1']]) }, { name: 'shared.pdf', content: shared }]);
      const a = await finished(gcAdmin, await startImport(gcAdmin, TYPE, 'a.zip', archiveA));
      expect(a.status).toBe('completed');
      // B: validate-only, with the same shared.pdf and a file of its own.
      const archiveB = await zip([
        { name: 'b.csv', content: sheetOf([['shared.pdf', 'L-1002', 'GC-2'], ['own.pdf', 'L-1003', 'GC-3']]) },
        { name: 'shared.pdf', content: shared },
        { name: 'own.pdf', content: ownFile },
      ]);
      const b = await finished(gcAdmin, await startImport(gcAdmin, TYPE, 'b.zip', archiveB, { validateOnly: 'true' }));
      expect(b).toMatchObject({ status: 'completed', validateOnly: true });
      // C: failed (no rows).
      const failedUpload = csv(CERTIFICATE_HEADER, []);
      const c = await finished(gcAdmin, await startImport(gcAdmin, 'obtained-certificates', 'c.csv', failedUpload));
      expect(c.status).toBe('failed');
      for (const bytes of [shared, ownFile, archiveA, archiveB, failedUpload]) expect(inStorage(gc, bytes)).toBe(true);

      const report = await collector.collect();
      expect(report).toMatchObject({ ran: true, removed: 3 });
      expect(inStorage(gc, ownFile)).toBe(false); // unpacked for the validation only
      expect(inStorage(gc, failedUpload)).toBe(false); // the failed import's upload
      expect(inStorage(gc, shared)).toBe(true); // the certificate of A attaches it
      expect(inStorage(gc, archiveA)).toBe(false); // a real import's upload: nothing reads it again
      expect(inStorage(gc, archiveB)).toBe(true); // a validation's upload: kept for the retention (B can still be run for real)
      // Every certificate's attachment is still there, the demo data's included.
      const attached = await gc.sql<{ storage_key: string }>(`select storage_key from obtained_certificate_attachments`);
      expect(attached.length).toBeGreaterThan(1);
      for (const { storage_key: key } of attached) expect(existsSync(join(gc.config.storageDir, key.slice(0, 2), key.slice(2, 4), key))).toBe(true);
      const [aRow] = await rowsOf(gcAdmin, a.id);
      const certificateA = (await gcAdmin.get(`/api/obtained-certificates/${aRow.entityId}`)).body as { attachments: { id: string }[] };
      const content = await gcAdmin.get(`/api/obtained-certificates/${aRow.entityId}/attachments/${certificateA.attachments[0].id}/content`);
      expect(content.raw.equals(shared)).toBe(true);

      // Past the retention, the uploads go too, and the validation can no longer be run for real.
      await gc.sql(`update imports set finished_at = now() - interval '2 days' where id = any($1::uuid[])`, [[a.id, b.id]]);
      const late = await gcAdmin.post(`/api/imports/${b.id}/run`);
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('IMPORTS.UPLOAD_EXPIRED');
      expect(await collector.collect()).toMatchObject({ ran: true, removed: 1 });
      expect(inStorage(gc, archiveB)).toBe(false);
      expect(inStorage(gc, shared)).toBe(true);
      expect(await collector.collect()).toMatchObject({ ran: true, removed: 0 });
    });

    it('walks the storage holding only a session lock, no transaction (a long pass must not pin xmin), and frees the lock after', async () => {
      const collector = gc.running.app.get(StoredFileCollector);
      const storage = gc.running.app.get(StoragePort);
      const list = storage.listStoredBefore.bind(storage);
      let during: { in_transaction: string; advisory: string } | undefined;
      storage.listStoredBefore = async function* (cutoff: Date) {
        yield* list(cutoff);
        [during] = await gc.sql<{ in_transaction: string; advisory: string }>(
          `select (select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in transaction%') as in_transaction,
                  (select count(*) from pg_locks l join pg_database d on d.oid = l.database
                    where l.locktype = 'advisory' and l.granted and d.datname = current_database()) as advisory`,
        );
      };
      try {
        expect(await collector.collect()).toMatchObject({ ran: true });
      } finally {
        delete (storage as unknown as { listStoredBefore?: unknown }).listStoredBefore; // the class's own again
      }
      expect(during).toEqual({ in_transaction: '0', advisory: '1' });
      const [after] = await gc.sql<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory'`);
      expect(after.n).toBe('0');
    });
  });
});
