import { MikroORM, RequestContext, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ImportCompleted,
  type ImportChunkContext,
  type ImportedFile,
  type ImportFiles,
  type ImportMessage,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
} from '#libs/contracts/imports/index.js';
import { GetPrincipalQuery, type Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { collectEvents, recordEvent } from '#libs/outbox/outbox.js';
import { importRows } from '#libs/metrics/metrics.js';
import { finalStatusFor } from '../../domain/import-lifecycle.js';
import { Import } from '../../domain/import.js';
import { ImportTypeRegistry } from '../import-type-registry.js';
import type { ChunkJob, ChunkRow } from './import-queue.js';

const ROLL_BACK = Symbol('validate-only: roll back the business writes');
/** The import was cancelled (or ended) while the chunk ran: the chunk is rolled back and records nothing. */
const IMPORT_ENDED = Symbol('import ended while the chunk ran');
/** Another run of the same chunk committed it already. */
const CHUNK_DONE = Symbol('chunk already committed');

interface OutcomeRow {
  row_number: number;
  status: RowOutcome['status'];
  errors: ImportMessage[];
  warnings: ImportMessage[];
  cells: string[];
  entity_id: string | null;
}

/**
 * Processes one chunk in one transaction: the rows' business writes (through the import type's
 * commands), their outcomes in the import log, the counters, and, for the last chunk, the end of the
 * import with ImportCompleted. A chunk retried after a crash skips rows that already have an outcome,
 * so every row is recorded exactly once. Validate-only runs roll the business writes back to a
 * savepoint and keep the outcomes.
 */
@Injectable()
export class ChunkProcessor {
  private readonly logger = new Logger(ChunkProcessor.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly registry: ImportTypeRegistry,
    private readonly queries: QueryBus,
  ) {}

  async process(job: ChunkJob): Promise<'processed' | 'skipped'> {
    const started = performance.now();
    const run = await this.orm.em.fork().findOne(Import, { id: job.importId });
    if (!run || run.status !== 'processing') return 'skipped';
    const type = this.registry.get(run.type);
    const principal = await RequestContext.create(this.orm.em.fork(), () => this.queries.execute(new GetPrincipalQuery(run.startedBy)));

    let recorded: { status: string }[] = [];
    const ended = await this.orm.em.fork().transactional(async (em) => {
      // Claim the chunk first. A second run of the same chunk (a job whose lock expired while the first
      // run was still going) waits here on the first one's row and finds the chunk taken once it commits;
      // if the first run died, its claim rolled back with everything else and this run takes over.
      const claimed = await em.execute(`insert into import_chunks (import_id, chunk, rows) values (?, ?, ?) on conflict do nothing returning chunk`, [
        run.id,
        job.chunk,
        job.rows.length,
      ]);
      if (claimed.length === 0) throw CHUNK_DONE;
      const numbers = job.rows.map((r) => r.row.rowNumber);
      const done = new Set(
        (
          await em.execute<{ row_number: number }[]>(
            `select row_number from import_row_results where import_id = ? and row_number between ? and ?`,
            [run.id, Math.min(...numbers), Math.max(...numbers)],
          )
        ).map((r) => r.row_number),
      );
      const pending = job.rows.filter((r) => !done.has(r.row.rowNumber));
      const outcomes = pending.length === 0 ? [] : await this.outcomesOf(em, run, type, principal, pending);
      recorded = await this.record(em, run, job, pending, outcomes);
    }).then(
      () => false,
      (error: unknown) => {
        if (error === IMPORT_ENDED || error === CHUNK_DONE) return true;
        throw error;
      },
    );
    if (ended) return 'skipped';
    // Counted after the commit, so a chunk that rolled back and ran again counts its rows once.
    const mode = run.validateOnly ? 'validate' : 'run';
    const byOutcome = new Map<string, number>();
    for (const row of recorded) byOutcome.set(row.status, (byOutcome.get(row.status) ?? 0) + 1);
    for (const [outcome, rows] of byOutcome) importRows.inc({ type: run.type, outcome, mode }, rows);
    this.logger.debug({ msg: 'chunk processed', importId: run.id, chunk: job.chunk, rows: job.rows.length, ms: Math.round(performance.now() - started) });
    return 'processed';
  }

  private async outcomesOf(em: EntityManager, run: Import, type: ImportTypeDefinition, principal: Principal | undefined, rows: ChunkRow[]): Promise<RowOutcome[]> {
    const decided: RowOutcome[] = [];
    const toProcess: RawImportRow[] = [];
    for (const row of rows) {
      if (row.duplicateOf !== undefined) {
        decided.push({ rowNumber: row.row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.DUPLICATE_ROW', params: { row: row.duplicateOf } }] });
      } else if (row.errors.length > 0) {
        decided.push({ rowNumber: row.row.rowNumber, status: 'failed', errors: row.errors, warnings: [] });
      } else {
        toProcess.push(row.row);
      }
    }
    if (toProcess.length === 0) return decided;
    if (!principal) {
      // The admin who started the import was deleted meanwhile: nothing may be written on their behalf.
      return [...decided, ...toProcess.map((row) => failed(row.rowNumber, { code: 'COMMON.UNAUTHENTICATED' }))];
    }
    if (!principal.permissions.includes(type.permission)) {
      // Their permission to run this import was taken away while it ran.
      return [...decided, ...toProcess.map((row) => failed(row.rowNumber, { code: 'COMMON.FORBIDDEN', params: { permission: type.permission } }))];
    }
    const files = run.fileKind === 'zip' ? await ZipFiles.load(em, run.id) : NO_FILES;
    const context: ImportChunkContext = {
      importId: run.id,
      principal,
      validateOnly: run.validateOnly,
      options: run.options,
      files,
      today: new Date().toISOString().slice(0, 10),
    };
    let outcomes: RowOutcome[];
    try {
      outcomes = await this.runInSavepoint(em, run.validateOnly, () => type.processChunk(toProcess, context));
    } catch (error) {
      this.logger.warn({ msg: 'chunk write failed; retrying row by row', importId: run.id, error: String(error) });
      outcomes = [];
      for (const row of toProcess) {
        try {
          outcomes.push(...(await this.runInSavepoint(em, run.validateOnly, () => type.processChunk([row], context))));
        } catch (rowError) {
          outcomes.push(
            rowError instanceof UniqueConstraintViolationException
              ? { rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.ROW_ALREADY_SAVED' }] }
              : failed(row.rowNumber, messageOf(rowError)),
          );
        }
      }
    }
    if (files instanceof ZipFiles) await files.saveUsed(em);
    return [...decided, ...outcomes];
  }

  /** Runs the type's work inside a savepoint with its own request context, flushed once. */
  private async runInSavepoint(em: EntityManager, validateOnly: boolean, work: () => Promise<RowOutcome[]>): Promise<RowOutcome[]> {
    let outcomes: RowOutcome[] = [];
    try {
      await em.transactional(async (savepoint) => {
        outcomes = await RequestContext.create(savepoint, () => collectEvents(savepoint, work));
        await savepoint.flush();
        if (validateOnly) throw ROLL_BACK;
      });
    } catch (error) {
      if (error !== ROLL_BACK) throw error;
    }
    return outcomes;
  }

  private async record(em: EntityManager, run: Import, job: ChunkJob, rows: ChunkRow[], outcomes: RowOutcome[]): Promise<{ status: string }[]> {
    const cellsByRow = new Map(rows.map((r) => [r.row.rowNumber, r.cells]));
    const records: OutcomeRow[] = outcomes.map((outcome) => ({
      row_number: outcome.rowNumber,
      status: outcome.status,
      errors: outcome.errors,
      warnings: outcome.warnings,
      cells: cellsByRow.get(outcome.rowNumber) ?? [],
      entity_id: outcome.entityId ?? null,
    }));
    const inserted =
      records.length === 0
        ? []
        : await executeBound<{ status: string; warned: boolean }>(
            em,
            `insert into import_row_results (import_id, row_number, status, errors, warnings, cells, entity_id)
             select $1, r.row_number, r.status, r.errors, r.warnings, r.cells, r.entity_id
               from jsonb_to_recordset($2::jsonb) as r(row_number int, status text, errors jsonb, warnings jsonb, cells jsonb, entity_id uuid)
             on conflict (import_id, row_number) do nothing
             returning status, jsonb_array_length(warnings) > 0 as warned`,
            [run.id, JSON.stringify(records)],
          );
    const count = (status: string) => inserted.filter((r) => r.status === status).length;
    const [progress] = await em.execute<{ chunks_done: number; chunk_count: number | null; status: string; failed_rows: number }[]>(
      `update imports set processed_rows = processed_rows + ?, succeeded_rows = succeeded_rows + ?, failed_rows = failed_rows + ?,
              skipped_rows = skipped_rows + ?, warning_rows = warning_rows + ?, chunks_done = chunks_done + ?
        where id = ? and status = 'processing' returning chunks_done, chunk_count, status, failed_rows`,
      [inserted.length, count('succeeded'), count('failed'), count('skipped'), inserted.filter((r) => r.warned).length, 1, run.id],
    );
    // Cancelled meanwhile: the cancel held the import's row until it committed, so this update waited and
    // found the import ended. The chunk rolls back, so what the cancel reported stays the whole truth.
    if (!progress) throw IMPORT_ENDED;
    if (progress.chunk_count !== null && progress.chunks_done >= progress.chunk_count) {
      await finishImport(em, run.id, finalStatusFor({ failedRows: progress.failed_rows }));
    }
    return inserted;
  }
}

/**
 * Ends an import (in the caller's transaction): final status, unused-file warning, and ImportCompleted
 * through the outbox. Only a running import ends, so it ends once: false when it had already ended.
 */
export async function finishImport(em: EntityManager, importId: string, status: 'completed' | 'completed_with_errors' | 'failed' | 'cancelled', failure?: ImportMessage): Promise<boolean> {
  const unused = await em.execute<{ name: string; total: string }[]>(
    `select name, count(*) over () as total from import_files where import_id = ? and not used order by name limit 20`,
    [importId],
  );
  const warnings: ImportMessage[] =
    status === 'completed' || status === 'completed_with_errors'
      ? unused.length > 0
        ? [{ code: 'IMPORTS.UNUSED_FILES', params: { count: Number(unused[0].total), names: unused.map((u) => u.name).join(', ') + (Number(unused[0].total) > 20 ? ', ...' : '') } }]
        : []
      : [];
  const ended = await em.execute<Record<string, unknown>[]>(
    `update imports set status = ?, finished_at = now(), failure = coalesce(?::jsonb, failure), warnings = warnings || ?::jsonb
      where id = ? and status in ('queued', 'validating', 'processing')
      returning id, type, status, validate_only, started_by, started_by_language, file_name, total_rows, succeeded_rows,
                failed_rows, skipped_rows, warning_rows, coalesce(started_at, created_at) as started_at, finished_at`,
    [status, failure ? JSON.stringify(failure) : null, JSON.stringify(warnings), importId],
  );
  if (ended.length === 0) return false;
  const row = ended[0];
  recordEvent(
    em,
    new ImportCompleted({
      importId,
      type: String(row.type),
      status,
      validateOnly: Boolean(row.validate_only),
      startedBy: String(row.started_by),
      startedByLanguage: String(row.started_by_language),
      fileName: String(row.file_name),
      totalRows: Number(row.total_rows),
      succeededRows: Number(row.succeeded_rows),
      failedRows: Number(row.failed_rows),
      skippedRows: Number(row.skipped_rows),
      warningRows: Number(row.warning_rows),
      startedAt: new Date(row.started_at as string).toISOString(),
      finishedAt: new Date(row.finished_at as string).toISOString(),
    }),
  );
  await em.flush();
  return true;
}

function failed(rowNumber: number, error: ImportMessage): RowOutcome {
  return { rowNumber, status: 'failed', errors: [error], warnings: [] };
}

function messageOf(error: unknown): ImportMessage {
  if (error instanceof DomainError) return { code: error.code, params: error.params as Record<string, string | number> };
  const reason = String((error as Error)?.message ?? error).split('\n')[0].slice(0, 300);
  return { code: 'IMPORTS.ROW_WRITE_FAILED', params: { reason } };
}

const NO_FILES: ImportFiles = { find: () => ({}), markUsed: () => {} };

/** The attachments extracted from an import's ZIP, loaded once per chunk. */
class ZipFiles implements ImportFiles {
  private readonly used = new Set<string>();
  private constructor(
    private readonly importId: string,
    private readonly byName: Map<string, ImportedFile>,
    private readonly byLooseName: Map<string, string>,
    private readonly listed: Set<string>,
  ) {}

  static async load(em: EntityManager, importId: string): Promise<ZipFiles> {
    const rows = await em.execute<{ name: string; storage_key: string | null; size: string; media_type: string | null }[]>(
      `select name, storage_key, size, media_type from import_files where import_id = ?`,
      [importId],
    );
    const byName = new Map<string, ImportedFile>();
    const byLooseName = new Map<string, string>();
    for (const row of rows) {
      // Entries no valid row named were listed but not unpacked (no storage key): near misses only.
      if (row.storage_key !== null) byName.set(row.name, { name: row.name, storageKey: row.storage_key, size: Number(row.size), mediaType: row.media_type });
      byLooseName.set(loose(row.name), row.name);
    }
    return new ZipFiles(importId, byName, byLooseName, new Set(rows.map((row) => row.name)));
  }

  find(name: string) {
    const file = this.byName.get(name);
    if (file) return { file };
    return { suggestion: this.byLooseName.get(loose(name)) };
  }

  markUsed(name: string) {
    // A near miss is "used" too (its row names it, misspelt), though it was listed and never unpacked.
    if (this.listed.has(name)) this.used.add(name);
  }

  async saveUsed(em: EntityManager): Promise<void> {
    if (this.used.size === 0) return;
    await em.execute(`update import_files set used = true where import_id = ? and name = any(?::text[]) and not used`, [
      this.importId,
      `{${[...this.used].map((n) => `"${n.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`,
    ]);
  }
}

/** Names that differ only in case or Unicode normalisation (macOS writes decomposed names). */
function loose(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
