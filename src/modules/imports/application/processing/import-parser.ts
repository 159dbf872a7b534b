import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { AppConfig } from '#libs/config/app-config.js';
import type { ImportMessage, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { cellText } from '#libs/spreadsheet/cell-text.js';
import { readSpreadsheet, type SpreadsheetKind } from '#libs/spreadsheet/spreadsheet-reader.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS, type XlsxLimits } from '#libs/spreadsheet/xlsx-guard.js';
import { detectFileType } from '#libs/storage/file-type.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { DEFAULT_ZIP_LIMITS, SafeZip, type ZipFileEntry, type ZipLimits } from '#libs/zip/safe-zip.js';
import { mapHeader, normaliseHeader } from '../../domain/header-mapping.js';
import type { Import } from '../../domain/import.js';
import { cellsForLog, normaliseRow } from '../../domain/row-normaliser.js';
import { lockImportQuota, megabytes, pendingImportBytes } from '../pending-import-bytes.js';
import { chunkJobId, HELD_BACK_MS, IMPORTS_QUEUE, type ChunkJob, type ChunkRow } from './import-queue.js';

/** A problem with the file as a whole: the import fails with this message and writes nothing. */
export class ImportRejected extends Error {
  constructor(readonly problem: ImportMessage) {
    super(problem.code);
    this.name = 'ImportRejected';
  }
}

export interface ParseResult {
  header: string[];
  totalRows: number;
  chunkCount: number;
  warnings: ImportMessage[];
}

/** Headers of the error file's own last column: ignored without a warning when an error file comes back. */
const ERROR_COLUMN_HEADERS = new Set(['errors', 'fouten', 'warnings', 'waarschuwingen']);

/**
 * Reads an import's file once, streaming: checks the ZIP, maps the header, normalises every row, spots
 * duplicate rows, and queues the rows in chunk jobs that are held back until the whole file has passed
 * (the caller releases them). Then, for a ZIP, a second pass unpacks into storage just the attachments
 * that valid rows reference.
 */
@Injectable()
export class ImportParser {
  constructor(
    private readonly orm: MikroORM,
    private readonly storage: StoragePort,
    private readonly config: AppConfig,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue,
  ) {}

  async parse(run: Import, type: ImportTypeDefinition): Promise<ParseResult> {
    // Collected meanwhile (a validation run for real after its upload expired): say so, not "unexpected".
    if (!(await this.storage.exists(run.fileKey))) {
      throw new ImportRejected({ code: 'IMPORTS.UPLOAD_EXPIRED', params: { days: this.config.imports.uploadRetentionDays } });
    }
    return this.storage.withLocalFile(run.fileKey, (path) =>
      run.fileKind === 'zip' ? this.parseZip(run, type, path) : this.parseSheet(run, type, path, run.fileKind as SpreadsheetKind),
    );
  }

  private zipLimits(): ZipLimits {
    const limits = this.config.imports;
    return { maxEntries: limits.zipMaxEntries, maxTotalUncompressedBytes: limits.zipMaxUncompressedBytes, maxCompressionRatio: limits.zipMaxCompressionRatio };
  }

  private async parseZip(run: Import, type: ImportTypeDefinition, path: string): Promise<ParseResult> {
    const zip = await SafeZip.open(path, this.zipLimits());
    const sheetPath = join(this.config.dataDir, 'tmp', `import-${run.id}`);
    try {
      const { files, ignored, wrappingFolder } = zip.listing;
      const nested = files.filter((file) => file.relativePath.includes('/'));
      if (nested.length > 0) {
        throw new ImportRejected({ code: 'IMPORTS.FILES_IN_SUBFOLDERS', params: { paths: listOf(nested.map((f) => f.path)) } });
      }
      const sheets = files.filter((file) => /\.(xlsx|csv)$/i.test(file.relativePath));
      if (sheets.length === 0) throw new ImportRejected({ code: 'IMPORTS.NO_SPREADSHEET_IN_ZIP' });
      if (sheets.length > 1) {
        throw new ImportRejected({ code: 'IMPORTS.SEVERAL_SPREADSHEETS_IN_ZIP', params: { count: sheets.length, names: listOf(sheets.map((s) => s.relativePath)) } });
      }
      const warnings: ImportMessage[] = [];
      if (wrappingFolder) warnings.push({ code: 'IMPORTS.WRAPPING_FOLDER', params: { folder: wrappingFolder } });
      if (ignored.length > 0) warnings.push({ code: 'IMPORTS.IGNORED_SYSTEM_FILES', params: { count: ignored.length } });

      await mkdir(join(this.config.dataDir, 'tmp'), { recursive: true });
      await pipeline(await zip.openFile(sheets[0]), createWriteStream(sheetPath));
      const kind: SpreadsheetKind = sheets[0].relativePath.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx';
      const references = new ReferencedFiles(type);
      const result = await this.parseSheet(run, type, sheetPath, kind, (row) => references.note(row));
      // Only now, with the whole sheet read and passed, are attachments unpacked: just the ones a row
      // names, so a ZIP full of files no row uses writes nothing to storage.
      await this.extractAttachments(run, zip, files.filter((file) => file !== sheets[0]), references);
      return { ...result, warnings: [...warnings, ...result.warnings] };
    } finally {
      zip.close();
      await rm(sheetPath, { force: true });
    }
  }

  /**
   * Lists every attachment of the ZIP for the rows to find (near misses, unused files), and streams the
   * ones that valid rows reference into storage (content-addressed), typed by their first bytes. What
   * they add to the user's pending imports must fit the pending-import quota: checked and reserved
   * (imports.reserved_bytes) under the user's quota lock before a byte is written, so two imports of one
   * user parsing at once cannot both take the last room. Recording the files hands their room over
   * from the reservation to the import_files rows. A redelivered parse finds the files an attempt that
   * died already recorded: they count through their rows, so only the others are reserved (reserving
   * them again would count them twice for the user's other uploads until this parse ends).
   */
  private async extractAttachments(run: Import, zip: SafeZip, files: ZipFileEntry[], references: ReferencedFiles): Promise<void> {
    const wanted = files.filter((file) => references.has(file.relativePath));
    const adding = wanted.reduce((sum, file) => sum + file.size, 0);
    const quota = this.config.imports.pendingQuotaBytes;
    let recorded = new Set<string>();
    await this.orm.em.fork().transactional(async (em) => {
      await lockImportQuota(em, run.startedBy);
      const rows = await em.execute<{ name: string }[]>(`select name from import_files where import_id = ? and storage_key is not null`, [run.id]);
      recorded = new Set(rows.map((row) => row.name));
      if (adding > 0) {
        const pending = await pendingImportBytes(em, run.startedBy, this.config.imports.uploadRetentionDays, run.id);
        if (pending + adding > quota) {
          throw new ImportRejected({
            code: 'IMPORTS.PENDING_QUOTA_EXCEEDED',
            params: { pendingMegabytes: megabytes(pending), quotaMegabytes: megabytes(quota), fileMegabytes: megabytes(adding) },
          });
        }
      }
      const reserving = wanted.filter((file) => !recorded.has(file.relativePath)).reduce((sum, file) => sum + file.size, 0);
      await em.execute(`update imports set reserved_bytes = ? where id = ?`, [reserving, run.id]);
    });
    let batch: { name: string; storage_key: string | null; size: number; media_type: string | null }[] = [];
    let batchReserved = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = JSON.stringify(batch);
      const released = batchReserved;
      await this.orm.em.fork().transactional(async (em) => {
        await executeBound(
          em,
          `insert into import_files (import_id, name, storage_key, size, media_type)
           select $1, f.name, f.storage_key, f.size, f.media_type
             from jsonb_to_recordset($2::jsonb) as f(name text, storage_key text, size bigint, media_type text)
           on conflict (import_id, name) do nothing`,
          [run.id, rows],
        );
        await executeBound(em, `update imports set reserved_bytes = greatest(0, reserved_bytes - $2) where id = $1`, [run.id, released]);
      });
      batch = [];
      batchReserved = 0;
    };
    for (const file of files) {
      if (!references.has(file.relativePath)) {
        batch.push({ name: file.relativePath, storage_key: null, size: file.size, media_type: null });
      } else {
        let head = Buffer.alloc(0);
        const sniff = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            if (head.length < 1024) head = Buffer.concat([head, chunk.subarray(0, 1024 - head.length)]);
            callback(null, chunk);
          },
        });
        // pipeline(), not pipe(): a damaged entry must error the stream the put reads, or the put waits forever.
        void pipeline(await zip.openFile(file), sniff).catch(() => {});
        const stored = await this.storage.put(sniff);
        batch.push({ name: file.relativePath, storage_key: stored.key, size: stored.size, media_type: detectFileType(head)?.mediaType ?? null });
        if (!recorded.has(file.relativePath)) batchReserved += file.size;
      }
      if (batch.length >= 500) await flush();
    }
    await flush();
    // Whatever is left of the reservation (nothing, unless a size differed from the declared one) goes.
    await this.orm.em.fork().execute(`update imports set reserved_bytes = 0 where id = ?`, [run.id]);
  }

  /** An XLSX is a ZIP that exceljs unpacks without limits: it reads only a checked copy of the workbook's parts. */
  private async parseSheet(run: Import, type: ImportTypeDefinition, path: string, kind: SpreadsheetKind, onRow?: (row: ChunkRow) => void): Promise<ParseResult> {
    if (kind !== 'xlsx') return this.parseRows(run, type, path, kind, onRow);
    const checkedPath = join(this.config.dataDir, 'tmp', `import-${run.id}-checked.xlsx`);
    await mkdir(join(this.config.dataDir, 'tmp'), { recursive: true });
    try {
      await copyCheckedXlsx(path, checkedPath, this.xlsxLimits());
      return await this.parseRows(run, type, checkedPath, kind, onRow);
    } finally {
      await rm(checkedPath, { force: true });
    }
  }

  private xlsxLimits(): XlsxLimits {
    const imports = this.config.imports;
    return {
      ...DEFAULT_XLSX_LIMITS,
      // The entry limit is about attachments in an import ZIP; a workbook's parts are not attachments.
      zip: { ...this.zipLimits(), maxEntries: DEFAULT_ZIP_LIMITS.maxEntries },
      maxSharedStringsBytes: imports.xlsxMaxSharedStringsBytes,
      maxRowBytes: imports.maxRowBytes,
    };
  }

  private async parseRows(run: Import, type: ImportTypeDefinition, path: string, kind: SpreadsheetKind, onRow?: (row: ChunkRow) => void): Promise<ParseResult> {
    const explicitMapping = (run.options.columnMapping ?? {}) as Record<string, string>;
    const chunkSize = Math.min(this.config.imports.chunkSize, type.maxChunkSize ?? Number.MAX_SAFE_INTEGER);
    const maxRows = this.config.imports.maxRows;
    const seen = new Map<string, number>();
    let header: string[] | undefined;
    let indexByKey = new Map<string, number>();
    let pending: ChunkRow[] = [];
    // Rows travel in the Bull job: a chunk also closes at a byte budget, so no payload grows with wide rows.
    let pendingBytes = 0;
    const chunkMaxBytes = this.config.imports.chunkMaxBytes;
    let mappedIndexes = new Set<number>();
    let chunkCount = 0;
    let totalRows = 0;
    const warnings: ImportMessage[] = [];

    const enqueue = async () => {
      if (pending.length === 0) return;
      const job: ChunkJob = { importId: run.id, chunk: chunkCount, rows: pending };
      await this.queue.add('chunk', job, {
        jobId: chunkJobId(run.id, chunkCount),
        delay: HELD_BACK_MS,
        attempts: 10,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: 1000,
      });
      chunkCount++;
      pending = [];
      pendingBytes = 0;
    };

    const sheetLimits = { maxColumns: this.config.imports.maxColumns, maxRowBytes: this.config.imports.maxRowBytes };
    for await (const sheetRow of readSpreadsheet(path, kind, sheetLimits)) {
      if (!header) {
        header = sheetRow.cells.map((cell) => cellText(cell));
        const mapping = mapHeader(header, type.columns, explicitMapping);
        if (mapping.errors.length > 0) throw new ImportRejected(mapping.errors[0]);
        indexByKey = mapping.indexByKey;
        mappedIndexes = new Set(indexByKey.values());
        const ignored = mapping.ignoredHeaders.filter((h) => !ERROR_COLUMN_HEADERS.has(normaliseHeader(h)));
        if (ignored.length > 0) warnings.push({ code: 'IMPORTS.IGNORED_COLUMNS', params: { headers: listOf(ignored) } });
        continue;
      }
      totalRows++;
      if (totalRows > maxRows) throw new ImportRejected({ code: 'IMPORTS.TOO_MANY_ROWS', params: { max: maxRows } });
      const normalised = normaliseRow(sheetRow.rowNumber, sheetRow.cells, type.columns, indexByKey);
      const fingerprint = createHash('sha1').update(normalised.fingerprint).digest('base64');
      const duplicateOf = seen.get(fingerprint);
      if (duplicateOf === undefined) seen.set(fingerprint, sheetRow.rowNumber);
      const logged = cellsForLog(sheetRow.cells, header, mappedIndexes);
      const chunkRow: ChunkRow = { row: normalised.row, cells: logged.cells, errors: [...normalised.errors, ...logged.errors], duplicateOf };
      onRow?.(chunkRow);
      pending.push(chunkRow);
      pendingBytes += Buffer.byteLength(JSON.stringify(chunkRow));
      if (pending.length >= chunkSize || pendingBytes >= chunkMaxBytes) await enqueue();
    }
    if (!header) throw new ImportRejected({ code: 'IMPORTS.NO_HEADER' });
    if (totalRows === 0) throw new ImportRejected({ code: 'IMPORTS.NO_ROWS' });
    await enqueue();
    return { header: header.filter((h, i) => h !== '' || i < header!.length), totalRows, chunkCount, warnings };
  }

  /** Lets the held-back chunk jobs run once the import is marked processing. */
  async release(importId: string, chunkCount: number): Promise<void> {
    for (let chunk = 0; chunk < chunkCount; chunk++) {
      const job = await this.queue.getJob(chunkJobId(importId, chunk));
      if (job && (await job.isDelayed())) await job.promote().catch(() => {});
    }
  }

  /** Drops the held-back chunk jobs of an import that failed or was cancelled before they ran. */
  async discard(importId: string): Promise<void> {
    for (let chunk = 0; ; chunk++) {
      const job = await this.queue.getJob(chunkJobId(importId, chunk));
      if (!job) return;
      if (await job.isDelayed()) await job.remove().catch(() => {});
    }
  }
}

/**
 * The attachment names that rows can use: the file columns of rows that passed reading (no errors, not
 * a duplicate). Rows that failed already never look a file up, so their files are not unpacked.
 */
class ReferencedFiles {
  private readonly names = new Set<string>();
  private readonly columns: string[];

  constructor(type: ImportTypeDefinition) {
    this.columns = type.columns.filter((column) => column.kind === 'file').map((column) => column.key);
  }

  note(row: ChunkRow): void {
    if (row.errors.length > 0 || row.duplicateOf !== undefined) return;
    for (const key of this.columns) {
      const name = row.row.values[key];
      if (name) this.names.add(name);
    }
  }

  has(name: string): boolean {
    return this.names.has(name);
  }
}

function listOf(items: string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} (+${items.length - max} more)` : items.join(', ');
}
