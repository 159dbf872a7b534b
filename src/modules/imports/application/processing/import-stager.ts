import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppConfig } from '#libs/config/app-config.js';
import type { ImportColumn, ImportMessage, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { cellText } from '#libs/spreadsheet/cell-text.js';
import type { MergedRange } from '#libs/spreadsheet/table-readers.js';
import { detectFileType } from '#libs/storage/file-type.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import type { SafeZip, ZipFileEntry } from '#libs/zip/safe-zip.js';
import { indexByKey, type ColumnMapping } from '../../domain/column-mapping.js';
import { DuplicateKeys } from '../../domain/duplicate-keys.js';
import { normaliseHeader } from '../../domain/header-mapping.js';
import type { Import } from '../../domain/import.js';
import { cellsForLog, normaliseRow } from '../../domain/row-normaliser.js';
import { mergedStretches, sheetFactsByKey } from '../../domain/sheet-facts.js';
import { StagedRows, stagedJson, type StagedRow } from '../../infrastructure/staged-rows.js';
import { lockImportQuota, megabytes, pendingImportBytes } from '../pending-import-bytes.js';
import { ImportRejected, ImportSource, listOf, type OpenedTable } from './import-source.js';
import { StagedRowSeqs } from './staged-row-seqs.js';

export interface StageResult {
  header: string[];
  totalRows: number;
  chunkCount: number;
  warnings: ImportMessage[];
  /** Milliseconds since the start at the end of each step, for the log (where a staging's time goes). */
  steps?: Record<string, number>;
}

/** Headers of the error and results files' own columns: ignored without a warning when such a file comes back. */
const OWN_COLUMN_HEADERS = new Set(['errors', 'fouten', 'warnings', 'waarschuwingen', 'row', 'rij', 'outcome', 'resultaat', 'entity', 'entiteit']);

/**
 * Reads an import's file once, streaming, with the mapping the admin set: normalises every row, spots
 * identical rows, and stages them in PostgreSQL (COPY) with a plan of chunks (row ranges). Then checks
 * the type's key columns across the whole file, and, for a ZIP, unpacks just the attachments that valid
 * rows reference. Nothing reaches a chunk before the whole file has passed.
 */
@Injectable()
export class ImportStager {
  constructor(
    private readonly orm: MikroORM,
    private readonly storage: StoragePort,
    private readonly config: AppConfig,
    private readonly source: ImportSource,
    private readonly staged: StagedRows,
  ) {}

  /** Drops whatever an earlier attempt of this import's staging left (it died, or was redelivered). */
  async reset(em: EntityManager, importId: string): Promise<void> {
    await em.execute(`delete from import_staged_rows where import_id = ?`, [importId]);
    await em.execute(`delete from import_chunk_plan where import_id = ?`, [importId]);
  }

  async stage(run: Import, type: ImportTypeDefinition, columns: ImportColumn[]): Promise<StageResult> {
    await this.reset(this.orm.em.fork(), run.id);
    const references = new ReferencedFiles(columns);
    const started = performance.now();
    const steps: Record<string, number> = {};
    const step = (name: string) => (steps[name] = Math.round(performance.now() - started));
    return this.source.open(run, type, async (table) => {
      step('opened');
      const duplicateKeys = new DuplicateKeys(columns, type.keys);
      const result = await this.stageRows(run, type, columns, table, references, duplicateKeys);
      step('rows');
      if (table.zip) await this.extractAttachments(run, table.zip.archive, table.zip.attachments, references);
      step('attachments');
      await this.markDuplicateKeys(run.id, duplicateKeys);
      step('keys');
      return { ...result, warnings: [...table.warnings, ...result.warnings], steps };
    });
  }

  /** An undo stages the rows of the import it reverts that recorded a change, in row order. */
  async stageUndo(undo: Import): Promise<{ totalRows: number; chunkCount: number }> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      await this.reset(tx, undo.id);
      const [{ count }] = await tx.execute<{ count: string }[]>(
        `with changed as (
           insert into import_staged_rows (import_id, seq, row_number, line, "values", cells, errors)
           select ?, row_number() over (order by r.row_number), r.row_number, null, r.change::json, r.cells::json, '[]'::json
             from import_row_results r where r.import_id = ? and r.change is not null and r.status = 'succeeded'
           returning 1)
         select count(*)::text as count from changed`,
        [undo.id, undo.undoOf],
      );
      const size = this.config.imports.chunkSize;
      await tx.execute(
        `insert into import_chunk_plan (import_id, chunk, first_seq, last_seq)
         select import_id, (seq - 1) / ?, min(seq), max(seq) from import_staged_rows where import_id = ? group by import_id, (seq - 1) / ?`,
        [size, undo.id, size],
      );
      const totalRows = Number(count);
      return { totalRows, chunkCount: Math.ceil(totalRows / size) };
    });
  }

  private async stageRows(
    run: Import,
    type: ImportTypeDefinition,
    columns: ImportColumn[],
    table: OpenedTable,
    references: ReferencedFiles,
    duplicateKeys: DuplicateKeys,
  ): Promise<StageResult> {
    const mapping = (run.mapping ?? {}) as ColumnMapping;
    const chunkSize = Math.min(this.config.imports.chunkSize, type.maxChunkSize ?? Number.MAX_SAFE_INTEGER);
    const chunkMaxBytes = this.config.imports.chunkMaxBytes;
    const maxRows = this.config.imports.maxRows;
    const seen = new Map<string, number>();
    const plan: { chunk: number; first: number; last: number }[] = [];
    let header: string[] | undefined;
    let keys = new Map<string, number>();
    let keyAt = new Map<number, string>();
    let mappedIndexes = new Set<number>();
    let merged: MergedRange[] = [];
    let firstDataRow = 0;
    let lastDataRow = 0;
    const seqs = new StagedRowSeqs();
    const rows = table.rows(undefined, (ranges) => (merged = ranges));
    let seq = 0;
    let chunkFirst = 1;
    let chunkRows = 0;
    let chunkBytes = 0;
    const warnings: ImportMessage[] = [];
    const copy = await this.staged.copy(run.id);
    const closeChunk = () => {
      if (chunkRows === 0) return;
      plan.push({ chunk: plan.length, first: chunkFirst, last: seq });
      chunkFirst = seq + 1;
      chunkRows = 0;
      chunkBytes = 0;
    };
    try {
      for await (const tableRow of rows) {
        const cells = tableRow.cells as Parameters<typeof normaliseRow>[1];
        if (!header) {
          header = cells.map((cell) => cellText(cell));
          const expected = run.header ?? header;
          if (expected.join('\u0000') !== header.join('\u0000')) throw new ImportRejected({ code: 'IMPORTS.FILE_CHANGED' });
          keys = indexByKey(header, mapping);
          keyAt = new Map([...keys].map(([key, index]) => [index, key] as const));
          mappedIndexes = new Set(keys.values());
          const ignored = header.filter((h, index) => h.trim() !== '' && !mappedIndexes.has(index) && !OWN_COLUMN_HEADERS.has(normaliseHeader(h)));
          if (ignored.length > 0) warnings.push({ code: 'IMPORTS.IGNORED_COLUMNS', params: { headers: listOf(ignored) } });
          continue;
        }
        seq++;
        if (seq === 1) firstDataRow = tableRow.rowNumber;
        lastDataRow = tableRow.rowNumber;
        seqs.note(seq, tableRow.rowNumber);
        if (seq > maxRows) throw new ImportRejected({ code: 'IMPORTS.TOO_MANY_ROWS', params: { max: maxRows } });
        const normalised = normaliseRow(tableRow.rowNumber, cells, columns, keys);
        const fingerprint = hash('sha1', normalised.fingerprint, 'base64');
        const duplicateOf = seen.get(fingerprint);
        if (duplicateOf === undefined) seen.set(fingerprint, tableRow.rowNumber);
        const logged = cellsForLog(cells, header, mappedIndexes);
        const row: StagedRow = {
          seq,
          rowNumber: tableRow.rowNumber,
          line: tableRow.line,
          values: normalised.row.values,
          cells: logged.cells,
          errors: [...normalised.errors, ...logged.errors],
          duplicateOf,
          sheet: sheetFactsByKey(tableRow.facts, keyAt),
        };
        references.note(row);
        duplicateKeys.note(seq, tableRow.rowNumber, row.values);
        await copy.write(row);
        chunkRows++;
        // A chunk also closes at a byte budget, so a worker's memory per chunk does not grow with wide rows.
        chunkBytes += logged.cells.reduce((sum, cell) => sum + cell.length, 0) + 64;
        if (chunkRows >= chunkSize || chunkBytes >= chunkMaxBytes) closeChunk();
      }
      if (!header) throw new ImportRejected({ code: 'IMPORTS.NO_HEADER' });
      if (seq === 0) throw new ImportRejected({ code: 'IMPORTS.NO_ROWS' });
      closeChunk();
      await copy.end();
    } catch (error) {
      await copy.abort();
      throw error;
    }
    await executeBound(
      this.orm.em.fork(),
      `insert into import_chunk_plan (import_id, chunk, first_seq, last_seq)
       select $1, p.chunk, p.first, p.last from jsonb_to_recordset($2::jsonb) as p(chunk int, first int, last int)`,
      [run.id, JSON.stringify(plan)],
    );
    // Only the stretches over staged rows (a merge in the header, or in formatting below the data, marks nothing).
    const stretches = mergedStretches(merged, keyAt).flatMap((m) => {
      const firstRow = Math.max(m.firstRow, firstDataRow);
      const lastRow = Math.min(m.lastRow, lastDataRow);
      const staged = seqs.range(firstRow, lastRow);
      return staged ? [{ ...m, firstRow, lastRow, ...staged }] : [];
    });
    await this.markMergedCells(run.id, stretches, (lastDataRow - firstDataRow + 1) * keyAt.size);
    return { header, totalRows: seq, chunkCount: plan.length, warnings };
  }

  /**
   * Marks the staged rows whose mapped cells lie in a merged range but are not its first cell (they read
   * empty): a sheet lists its merges after its rows, so this comes once every row is staged.
   */
  private async markMergedCells(importId: string, stretches: { firstRow: number; lastRow: number; firstSeq: number; lastSeq: number; keys: string[] }[], mappedCells: number): Promise<void> {
    // Ranges Excel writes never overlap, so they cannot cover more cells than the mapped ones; ranges
    // that do would make this update work through rows times ranges.
    const covered = stretches.reduce((sum, m) => sum + (m.lastRow - m.firstRow + 1) * m.keys.length, 0);
    if (covered > mappedCells + 16_384) throw new ImportRejected({ code: 'SPREADSHEET.CORRUPT', params: { reason: 'merged cells overlap' } });
    for (let from = 0; from < stretches.length; from += 5000) {
      await executeBound(
        this.orm.em.fork(),
        `with stretch as (select * from jsonb_to_recordset($2::jsonb) as m(first_seq int, last_seq int, keys jsonb)),
         marked as (
           select s.seq, jsonb_agg(distinct k.key) as keys
             from stretch m
             join import_staged_rows s on s.import_id = $1 and s.seq between m.first_seq and m.last_seq
             cross join lateral jsonb_array_elements_text(m.keys) as k(key)
            group by s.seq)
         update import_staged_rows s
            set sheet = coalesce(s.sheet, '{}'::jsonb) || jsonb_build_object('merged', marked.keys)
           from marked
          where s.import_id = $1 and s.seq = marked.seq`,
        [importId, JSON.stringify(stretches.slice(from, from + 5000).map((m) => ({ first_seq: m.firstSeq, last_seq: m.lastSeq, keys: m.keys })))],
      );
    }
  }

  /**
   * The type's key columns and composite keys across the whole file (DuplicateKeys, noted while the rows
   * were staged): only the rows of repeated keys are read back for their values and given their errors,
   * instead of grouping every staged row in SQL once per key.
   */
  private async markDuplicateKeys(importId: string, duplicateKeys: DuplicateKeys): Promise<void> {
    if (!duplicateKeys.active) return;
    const seqs = [...duplicateKeys.rowsToDescribe()];
    if (seqs.length === 0) return;
    const em = this.orm.em.fork();
    for (let from = 0; from < seqs.length; from += 5000) {
      const rows = await executeBound<{ seq: number; values: Record<string, string> }>(
        em,
        `select seq, "values" from import_staged_rows where import_id = $1 and seq = any($2::int[])`,
        [importId, seqs.slice(from, from + 5000)],
      );
      for (const row of rows) duplicateKeys.describe(row.seq, row.values);
    }
    const errors = [...duplicateKeys.errors()];
    for (let from = 0; from < errors.length; from += 5000) {
      const batch = errors.slice(from, from + 5000);
      await executeBound(
        em,
        `update import_staged_rows s set errors = (s.errors::jsonb || x.errors)::json
           from unnest($2::int[], $3::jsonb[]) as x(seq, errors)
          where s.import_id = $1 and s.seq = x.seq`,
        [importId, batch.map(([seq]) => seq), batch.map(([, messages]) => stagedJson(messages))],
      );
    }
  }

  /**
   * Lists every attachment of the ZIP for the rows to find (near misses, unused files), and streams the
   * ones that valid rows reference into storage (content-addressed), typed by their first bytes. What
   * they add to the user's pending imports must fit the pending-import quota: checked and reserved
   * (imports.reserved_bytes) under the user's quota lock before a byte is written, so two imports of one
   * user staging at once cannot both take the last room. Recording the files hands their room over
   * from the reservation to the import_files rows. A redelivered staging finds the files an attempt that
   * died already recorded: they count through their rows, so only the others are reserved.
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
        await executeBound(em, `update imports set reserved_bytes = greatest(0, reserved_bytes - $2), progress_at = now() where id = $1`, [run.id, released]);
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
}

/**
 * The attachment names that rows can use: the file columns of rows that passed reading (no errors, not
 * a duplicate). Rows that failed already never look a file up, so their files are not unpacked.
 */
class ReferencedFiles {
  private readonly names = new Set<string>();
  private readonly columns: string[];

  constructor(columns: ImportColumn[]) {
    this.columns = columns.filter((column) => column.kind === 'file').map((column) => column.key);
  }

  note(row: StagedRow): void {
    if (row.errors.length > 0 || row.duplicateOf !== undefined) return;
    for (const key of this.columns) {
      const name = row.values[key];
      if (name) this.names.add(name);
    }
  }

  has(name: string): boolean {
    return this.names.has(name);
  }
}
