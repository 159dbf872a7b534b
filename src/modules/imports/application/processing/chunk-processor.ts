import { randomUUID } from 'node:crypto';
import { MikroORM, RequestContext, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ImportChunkContext, ImportMessage, ImportTypeDefinition, RawImportRow, RowChange, RowOutcome, SheetRowFacts, UndoRow, ValidatedImport } from '#libs/contracts/imports/index.js';
import { GetPrincipalQuery, type Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { withChunkLookups } from '#libs/database/chunk-lookups.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { importRows } from '#libs/metrics/metrics.js';
import { collectEvents } from '#libs/outbox/outbox.js';
import { indexByKey, type ColumnMapping } from '../../domain/column-mapping.js';
import { finalStatusFor } from '../../domain/import-lifecycle.js';
import { headersByKey, inColumnOrder, sheetFactMessages } from '../../domain/sheet-facts.js';
import { Import, type ImportValidation } from '../../domain/import.js';
import { ImportRepository, sql } from '../../infrastructure/import-repository.js';
import { stagedJson, type StagedRow } from '../../infrastructure/staged-rows.js';
import { NO_FILES, ZipFiles } from '../../infrastructure/zip-files.js';
import { ImportColumns } from '../import-columns.js';
import { ImportTypeRegistry } from '../import-type-registry.js';
import type { ChunkJob } from './import-queue.js';

const ROLL_BACK = Symbol('validation: roll the business writes back');
/** The import was cancelled (or ended) while the chunk ran: the chunk is rolled back and records nothing. */
const IMPORT_ENDED = Symbol('import ended while the chunk ran');
/** Another run of the same chunk committed it already. */
const CHUNK_DONE = Symbol('chunk already committed');

export type ChunkResult = 'processed' | 'skipped' | 'advanced';

/**
 * A chunk's outcomes (one JSON document, $2) with each row's original cells from the chunk's staged rows,
 * read by the chunk's seq range ($3, $4) and hash-joined by row number. An index probe per row for its
 * cells cost more than the insert itself. The document is cheaper than bound arrays: the driver escapes
 * every element of a text array in JavaScript, and PostgreSQL parses each element again.
 */
const OUTCOME_ROWS = `with staged as materialized (select row_number, cells from import_staged_rows where import_id = $1 and seq between $3 and $4)
       select r.row_number, r.status, coalesce(r.errors, '[]'::jsonb), coalesce(r.warnings, '[]'::jsonb), coalesce(s.cells::jsonb, '[]'::jsonb) as cells, r.entity_id, r.change
         from jsonb_to_recordset($2::jsonb) as r(row_number int, status text, errors jsonb, warnings jsonb, entity_id uuid, change jsonb)
         left join staged s on s.row_number = r.row_number`;

/**
 * How many rows a statement over the chunk's outcomes wrote (CTE \`written\`), and which, only when that is
 * not all of them ($n: how many there were): most chunks write every row, and reading back a thousand row
 * numbers to find that out costs the worker more than the check.
 */
const WRITTEN_COUNT = (expected: string) =>
  `select count(*)::int as written, case when count(*) < ${expected} then array_agg(row_number) end as row_numbers from written`;

/** A row's outcome for the log; its original cells are copied from the staging table in SQL, not through the worker. */
interface OutcomeRecord {
  row_number: number;
  status: string;
  errors: ImportMessage[];
  warnings: ImportMessage[];
  entity_id: string | null;
  change: unknown;
}

/**
 * Processes one chunk (a planned range of staged rows) of one pass in one transaction: the rows'
 * business writes through the import type's commands, their outcomes in the import log, the counters,
 * and, with the last chunk, the end of the pass. Outcomes are written in the chunk's own transaction,
 * not projected from per-row events afterwards: a chunk that is retried after a crash finds exactly the
 * rows that committed, so every row has one outcome.
 * - validate: every write is rolled back to a savepoint; the outcomes say what would happen (`valid`).
 * - run: rows that passed validation (or, without a validation pass, every row) are written for real.
 *   An undo runs the type's undo commands over the changes another import recorded.
 */
@Injectable()
export class ChunkProcessor {
  private readonly logger = new Logger(ChunkProcessor.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly registry: ImportTypeRegistry,
    private readonly queries: QueryBus,
    private readonly imports: ImportRepository,
    private readonly columns: ImportColumns,
  ) {}

  async process(job: ChunkJob): Promise<ChunkResult> {
    const started = performance.now();
    const run = await this.orm.em.fork().findOne(Import, { id: job.importId });
    const expected = job.pass === 'validate' ? 'validating' : 'processing';
    if (!run || run.status !== expected) return 'skipped';
    const type = this.registry.get(run.type);
    const principal = await RequestContext.create(this.orm.em.fork(), () => this.queries.execute(new GetPrincipalQuery(run.startedBy)));
    if (principal && !(await this.registry.isAvailable(type, principal))) {
      // The type was switched off for its admin while the import waited or ran: it ends here, failed;
      // chunks already committed stay (and an undo of them needs the type switched on again).
      const problem: ImportMessage = { code: 'IMPORTS.TYPE_SWITCHED_OFF', params: { type: type.title } };
      await this.orm.em.fork().transactional((tx) => this.imports.finish(tx, run.id, 'failed', problem));
      return 'skipped';
    }

    let recorded: { status: string }[] = [];
    let advanced = false;
    // Milliseconds since the start at each step, for the debug log (where a chunk's time goes).
    const timings: Record<string, number> = { loaded: performance.now() - started };
    const ended = await this.orm.em
      .fork()
      .transactional(async (em) => {
        // Claim the chunk first. A second run of the same chunk (a job whose lock expired while the first
        // was still going) waits here on the first one's row and finds the chunk taken once it commits;
        // if the first run died, its claim rolled back with everything else and this run takes over.
        const claimed = await em.execute(`insert into import_chunks (import_id, pass, chunk, rows) values (?, ?, ?, ?) on conflict do nothing returning chunk`, [
          run.id,
          job.pass,
          job.chunk,
          job.lastSeq - job.firstSeq + 1,
        ]);
        if (claimed.length === 0) throw CHUNK_DONE;
        timings.claim = performance.now() - started;
        const rows = await this.stagedRows(em, run.id, job.firstSeq, job.lastSeq);
        timings.read = performance.now() - started;
        const result = job.pass === 'validate' ? await this.validate(em, run, type, principal, rows, timings) : await this.runRows(em, run, type, principal, rows, timings);
        timings.done = performance.now() - started;
        recorded = result.recorded;
        advanced = result.advanced;
      })
      .then(
        () => false,
        (error: unknown) => {
          if (error === IMPORT_ENDED || error === CHUNK_DONE) return true;
          throw error;
        },
      );
    if (ended) return 'skipped';
    // Counted after the commit, so a chunk that rolled back and ran again counts its rows once.
    const mode = job.pass === 'validate' ? 'validate' : run.mode === 'undo' ? 'undo' : 'run';
    const byOutcome = new Map<string, number>();
    for (const row of recorded) byOutcome.set(row.status, (byOutcome.get(row.status) ?? 0) + 1);
    for (const [outcome, rows] of byOutcome) importRows.inc({ type: run.type, outcome, mode }, rows);
    const at = Object.fromEntries(Object.entries(timings).map(([step, ms]) => [step, Math.round(ms)]));
    this.logger.debug({ msg: 'chunk processed', importId: run.id, pass: job.pass, chunk: job.chunk, rows: recorded.length, ms: Math.round(performance.now() - started), at });
    return advanced ? 'advanced' : 'processed';
  }

  private async stagedRows(em: EntityManager, importId: string, firstSeq: number, lastSeq: number): Promise<StagedRow[]> {
    const rows = await em.execute<
      { seq: number; row_number: number; line: number | null; values: Record<string, string>; errors: ImportMessage[]; duplicate_of: number | null; sheet: SheetRowFacts | null }[]
    >(
      `select seq, row_number, line, "values", errors, duplicate_of, sheet from import_staged_rows where import_id = ? and seq between ? and ? order by seq`,
      [importId, firstSeq, lastSeq],
    );
    return rows.map((row) => ({
      seq: row.seq,
      rowNumber: row.row_number,
      line: row.line ?? undefined,
      values: row.values,
      cells: [],
      errors: row.errors,
      duplicateOf: row.duplicate_of ?? undefined,
      sheet: row.sheet ?? undefined,
    }));
  }

  /** The validation pass: outcomes of every row not validated yet, with the business writes rolled back. */
  private async validate(em: EntityManager, run: Import, type: ImportTypeDefinition, principal: Principal | undefined, rows: StagedRow[], timings: Record<string, number>) {
    const started = performance.now() - (timings.read ?? 0);
    const done = await this.recordedRows(em, run.id, rows);
    const pending = rows.filter((row) => !done.has(row.rowNumber));
    const outcomes = pending.length === 0 ? [] : await this.outcomesOf(em, run, type, principal, pending, true);
    timings.type = performance.now() - started;
    const records = this.records(outcomes, 'valid', type.keepsValidationChange === true);
    const inserted = await this.insertOutcomes(em, run.id, rows, records);
    const count = (status: string) => inserted.filter((row) => row.status === status).length;
    const progress = await this.imports.update(em, run.id, ['validating'], {
      validated_rows: sql('validated_rows + ?', inserted.length),
      valid_rows: sql('valid_rows + ?', count('valid')),
      failed_rows: sql('failed_rows + ?', count('failed')),
      skipped_rows: sql('skipped_rows + ?', count('skipped')),
      warning_rows: sql('warning_rows + ?', inserted.filter((row) => row.warned).length),
      chunks_done: sql('chunks_done + 1'),
    });
    // Cancelled meanwhile: the cancel held the import's row until it committed, so this update waited and
    // found the import ended. The chunk rolls back, so what the cancel reported stays the whole truth.
    if (!progress) throw IMPORT_ENDED;
    let advanced = false;
    if (progress.chunk_count !== null && Number(progress.chunks_done) >= Number(progress.chunk_count)) {
      advanced = await this.endValidation(em, run, type, principal, Number(progress.valid_rows), Number(progress.failed_rows));
    }
    return { recorded: inserted, advanced };
  }

  /**
   * After the last validation chunk: warnings grouped by code, the type's import-level check, and where
   * the import goes next: ended (validate only, or nothing valid to run), on to the run (auto-confirm
   * with nothing to confirm), or waiting for the admin's confirmation. True when the run is to be queued.
   */
  private async endValidation(em: EntityManager, run: Import, type: ImportTypeDefinition, principal: Principal | undefined, validRows: number, failedRows: number): Promise<boolean> {
    if (type.oneRowPerEntity) {
      const moved = await this.failSameEntityTwice(em, run.id);
      validRows -= moved;
      failedRows += moved;
    }
    const groups = await em.execute<{ code: string; rows: string; valid: string }[]>(
      `select w ->> 'code' as code, count(distinct r.row_number)::text as rows, count(distinct r.row_number) filter (where r.status = 'valid')::text as valid
         from import_row_results r cross join lateral jsonb_array_elements(r.warnings) w
        where r.import_id = ? group by 1 order by 2 desc, 1`,
      [run.id],
    );
    const warningGroups = groups.map((group) => ({ code: group.code, rows: Number(group.rows) }));
    // Only rows that will run ask for a confirmation: a warned row that failed (two rows reaching one entity) does not.
    const toConfirm = groups.filter((group) => Number(group.valid) > 0 && type.warningsToConfirm?.includes(group.code)).map((group) => group.code);
    const checkProblems = validRows > 0 && type.checkBeforeRun && principal ? await type.checkBeforeRun(validatedImport(em, run, principal, validRows, warningGroups)) : [];
    const validation: ImportValidation = { warningGroups, toConfirm, checkProblems };
    if (run.validateOnly || validRows === 0) {
      await this.imports.update(em, run.id, ['validating'], { validation });
      await this.imports.finish(em, run.id, finalStatusFor({ failedRows }));
      return false;
    }
    if (run.autoConfirm && toConfirm.length === 0 && checkProblems.length === 0) {
      const moved = await this.imports.move(em, run.id, 'processing', { validation, run_rows: validRows, chunks_done: 0, confirmed_at: sql('now()') }, ['validating']);
      if (!moved) throw IMPORT_ENDED;
      return true;
    }
    if (!(await this.imports.move(em, run.id, 'awaiting_confirmation', { validation }, ['validating']))) throw IMPORT_ENDED;
    return false;
  }

  /**
   * Valid rows that reach the same entity as another valid row fail, every occurrence, naming the other
   * rows; the counters follow. Runs once, in the last validation chunk's transaction. How many moved.
   */
  private async failSameEntityTwice(em: EntityManager, importId: string): Promise<number> {
    // Grouped by entity first: a self-join of the log on entity_id has no index to go by and took minutes
    // for 50,000 rows. Only the rows of entities reached twice are then updated, by their primary key.
    const moved = await em.execute<{ row_number: number }[]>(
      `with twice as (
         select entity_id, array_agg(row_number order by row_number) as rows
           from import_row_results
          where import_id = ? and status = 'valid' and entity_id is not null
          group by entity_id
         having count(*) > 1),
       affected as (
         select r.row_number, (select string_agg(o::text, ', ' order by o) from unnest(t.rows) o where o <> r.row_number) as others
           from twice t cross join lateral unnest(t.rows) as r(row_number))
       update import_row_results x
          set status = 'failed',
              errors = x.errors || jsonb_build_array(jsonb_build_object('code', 'IMPORTS.SAME_ENTITY_TWICE', 'params', jsonb_build_object('rows', a.others))),
              recorded_at = now()
         from affected a
        where x.import_id = ? and x.row_number = a.row_number and x.status = 'valid'
       returning x.row_number`,
      [importId, importId],
    );
    if (moved.length > 0) {
      await this.imports.update(em, importId, ['validating'], { valid_rows: sql('valid_rows - ?', moved.length), failed_rows: sql('failed_rows + ?', moved.length) });
    }
    return moved.length;
  }

  /** The run pass: rows that passed validation (or every row, without one) written for real. */
  private async runRows(em: EntityManager, run: Import, type: ImportTypeDefinition, principal: Principal | undefined, rows: StagedRow[], timings: Record<string, number>) {
    const started = performance.now() - (timings.read ?? 0);
    const recorded = await this.recordedRows(em, run.id, rows);
    const validatedFirst = run.validation !== null;
    const toRun = rows.filter((row) => (validatedFirst ? recorded.get(row.rowNumber)?.status === 'valid' : !recorded.has(row.rowNumber)));
    const outcomes =
      toRun.length === 0
        ? []
        : run.mode === 'undo'
          ? await this.undoOutcomes(em, run, type, principal, toRun)
          : await this.outcomesOf(em, run, type, principal, toRun, false, validatedFirst ? await this.validatedRows(em, run.id, toRun) : undefined);
    timings.type = performance.now() - started;
    const records = this.records(outcomes, 'succeeded');
    // Without a validation pass no row has an outcome yet (a chunk's outcomes commit with its claim): a plain insert.
    const written = validatedFirst ? await this.upsertOutcomes(em, run.id, rows, records) : await this.insertOutcomes(em, run.id, rows, records);
    timings.log = performance.now() - started;
    const count = (status: string) => written.filter((row) => row.status === status).length;
    const wasWarned = written.filter((row) => recorded.get(row.row_number)?.warned).length;
    const progress = await this.imports.update(em, run.id, ['processing'], {
      processed_rows: sql('processed_rows + ?', written.length),
      valid_rows: sql('greatest(0, valid_rows - ?)', validatedFirst ? written.length : 0),
      succeeded_rows: sql('succeeded_rows + ?', count('succeeded')),
      failed_rows: sql('failed_rows + ?', count('failed')),
      skipped_rows: sql('skipped_rows + ?', count('skipped')),
      warning_rows: sql('warning_rows + ?', written.filter((row) => row.warned).length - wasWarned),
      chunks_done: sql('chunks_done + 1'),
    });
    if (!progress) throw IMPORT_ENDED;
    if (progress.chunk_count !== null && Number(progress.chunks_done) >= Number(progress.chunk_count)) {
      await this.imports.finish(em, run.id, finalStatusFor({ failedRows: Number(progress.failed_rows) }));
    }
    return { recorded: written, advanced: false };
  }

  /** Outcomes already recorded for these rows (a retried chunk, or the validation before the run). */
  private async recordedRows(em: EntityManager, importId: string, rows: StagedRow[]): Promise<Map<number, { status: string; warned: boolean }>> {
    if (rows.length === 0) return new Map();
    const numbers = rows.map((row) => row.rowNumber);
    const found = await em.execute<{ row_number: number; status: string; warned: boolean }[]>(
      `select row_number, status, jsonb_array_length(warnings) > 0 as warned from import_row_results where import_id = ? and row_number between ? and ?`,
      [importId, Math.min(...numbers), Math.max(...numbers)],
    );
    return new Map(found.map((row) => [row.row_number, { status: row.status, warned: row.warned }]));
  }

  /** What validation recorded for these rows (warnings, and the change it foresaw), for the run's context. */
  private async validatedRows(em: EntityManager, importId: string, rows: StagedRow[]): Promise<NonNullable<ImportChunkContext['validated']>> {
    // By the range of the chunk's row numbers (one index range scan), not "= any(1000 numbers)" (1000 probes).
    const wanted = new Set(rows.map((row) => row.rowNumber));
    const found = await em.execute<{ row_number: number; warnings: ImportMessage[]; change: RowChange | null }[]>(
      `select row_number, warnings, change from import_row_results where import_id = ? and row_number between ? and ? and status = 'valid'`,
      [importId, Math.min(...wanted), Math.max(...wanted)],
    );
    return new Map(found.filter((row) => wanted.has(row.row_number)).map((row) => [row.row_number, { warnings: row.warnings, change: row.change }]));
  }

  private async outcomesOf(
    em: EntityManager,
    run: Import,
    type: ImportTypeDefinition,
    principal: Principal | undefined,
    rows: StagedRow[],
    validation: boolean,
    validated?: ImportChunkContext['validated'],
  ): Promise<RowOutcome[]> {
    const decided: RowOutcome[] = [];
    const toProcess: RawImportRow[] = [];
    // What the sheet says besides the values (XLSX): a formula without a result fails the row before its
    // type sees it; a hidden row and merged cells are warnings added to whatever the type decides.
    const header = run.header ?? [];
    const indexes = indexByKey(header, (run.mapping ?? {}) as ColumnMapping);
    const headerOf = headersByKey(header, indexes);
    const sheetWarnings = new Map<number, ImportMessage[]>();
    for (const row of rows) {
      const sheet = inColumnOrder(row.sheet, indexes);
      const said = sheetFactMessages(sheet, headerOf);
      const errors = [...row.errors, ...said.errors];
      if (row.duplicateOf !== undefined && errors.length === 0) {
        decided.push({ rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.DUPLICATE_ROW', params: { row: row.duplicateOf } }, ...said.warnings] });
      } else if (errors.length > 0) {
        decided.push({ rowNumber: row.rowNumber, status: 'failed', errors, warnings: said.warnings });
      } else {
        toProcess.push(sheet ? { rowNumber: row.rowNumber, line: row.line, values: row.values, sheet } : { rowNumber: row.rowNumber, line: row.line, values: row.values });
        if (said.warnings.length > 0) sheetWarnings.set(row.rowNumber, said.warnings);
      }
    }
    if (toProcess.length === 0) return decided;
    const withSheetWarnings = (outcome: RowOutcome): RowOutcome => {
      const warnings = sheetWarnings.get(outcome.rowNumber);
      return warnings ? { ...outcome, warnings: [...warnings, ...outcome.warnings] } : outcome;
    };
    const refused = await this.refusal(run, type, principal);
    if (refused) return [...decided, ...toProcess.map((row) => withSheetWarnings(failed(row.rowNumber, refused)))];
    const files = run.fileKind === 'zip' ? await ZipFiles.load(em, run.id) : NO_FILES;
    const context = { ...this.context(run, principal!, validation, files), ...(validation ? {} : { acknowledgedWarnings: run.acknowledgedWarnings }), ...(validated ? { validated } : {}) };
    const outcomes = await this.withFallback(em, run, toProcess, validation, async (batch) => this.oneEach(run, batch, await type.processChunk(batch, context)));
    if (files instanceof ZipFiles) await files.saveUsed(em);
    return [...decided, ...outcomes.map(withSheetWarnings)];
  }

  private async undoOutcomes(em: EntityManager, run: Import, type: ImportTypeDefinition, principal: Principal | undefined, rows: StagedRow[]): Promise<RowOutcome[]> {
    const refused = (await this.refusal(run, type, principal)) ?? (type.undoChunk ? undefined : { code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: type.key } });
    if (refused) return rows.map((row) => failed(row.rowNumber, refused));
    const context = this.context(run, principal!, false, NO_FILES);
    const undoRows: UndoRow[] = rows.map((row) => ({ rowNumber: row.rowNumber, change: row.values as unknown as UndoRow['change'] }));
    const byNumber = new Map(undoRows.map((row) => [row.rowNumber, row]));
    return this.withFallback(em, run, undoRows.map((row) => ({ rowNumber: row.rowNumber, values: {} })), false, async (batch) =>
      this.oneEach(run, batch, await type.undoChunk!(batch.map((row) => byNumber.get(row.rowNumber)!), context)),
    );
  }

  /** Why no row may be written on the import's behalf now, if so. */
  private async refusal(run: Import, type: ImportTypeDefinition, principal: Principal | undefined): Promise<ImportMessage | undefined> {
    // The admin who started the import was deleted meanwhile: nothing may be written on their behalf.
    if (!principal) return { code: 'COMMON.UNAUTHENTICATED' };
    // Their permission to run this import was taken away while it ran.
    if (!principal.permissions.includes(type.permission)) return { code: 'COMMON.FORBIDDEN', params: { permission: type.permission } };
    // What the options grant (groups, roles) must still be theirs to grant: an import may have waited days.
    if (run.mode === 'import') {
      try {
        await this.columns.checkOptions(type, principal, run.options);
      } catch (error) {
        if (error instanceof DomainError) return { code: error.code, params: error.params as Record<string, string | number> };
        throw error;
      }
    }
    return undefined;
  }

  /**
   * Exactly one outcome per row handed to the type, whatever it returned: outcomes for rows it was not
   * given, or a second one for a row, are dropped; a row it left out fails (a bug in the type, logged).
   */
  private oneEach(run: Import, rows: RawImportRow[], outcomes: RowOutcome[]): RowOutcome[] {
    const byRow = new Map<number, RowOutcome>();
    const given = new Set(rows.map((row) => row.rowNumber));
    for (const outcome of outcomes) if (given.has(outcome.rowNumber) && !byRow.has(outcome.rowNumber)) byRow.set(outcome.rowNumber, outcome);
    if (byRow.size === rows.length && outcomes.length === rows.length) return outcomes;
    const reference = randomUUID().slice(0, 8);
    this.logger.error({ msg: 'import type returned outcomes that do not match its rows', importId: run.id, type: run.type, rows: rows.length, outcomes: outcomes.length, reference });
    return rows.map((row) => byRow.get(row.rowNumber) ?? failed(row.rowNumber, { code: 'IMPORTS.NO_OUTCOME', params: { reference } }));
  }

  private context(run: Import, principal: Principal, validation: boolean, files: ImportChunkContext['files']): ImportChunkContext {
    return { importId: run.id, principal, validateOnly: validation, options: run.options, files, today: new Date().toISOString().slice(0, 10) };
  }

  /** The type's work for the whole chunk in one savepoint; when that fails, row by row, so one bad row fails alone. */
  private async withFallback(em: EntityManager, run: Import, rows: RawImportRow[], rollBack: boolean, work: (rows: RawImportRow[]) => Promise<RowOutcome[]>): Promise<RowOutcome[]> {
    try {
      return await this.runInSavepoint(em, rollBack, () => work(rows));
    } catch (error) {
      this.logger.warn({ msg: 'chunk write failed; retrying row by row', importId: run.id, error: String(error) });
      const outcomes: RowOutcome[] = [];
      for (const row of rows) {
        try {
          outcomes.push(...(await this.runInSavepoint(em, rollBack, () => work([row]))));
        } catch (rowError) {
          outcomes.push(
            rowError instanceof UniqueConstraintViolationException
              ? await this.conflictOutcome(em, run, row.rowNumber, rollBack, rowError)
              : failed(row.rowNumber, messageOf(rowError, this.logger, run.id, row.rowNumber)),
          );
        }
      }
      return outcomes;
    }
  }

  /**
   * A row whose write hit a unique key. Only when the row already has an outcome of this pass (a chunk run
   * again) is it the row's own earlier write, and skipped; otherwise someone else holds the value (a
   * concurrent user with the same email, an undo restoring a code taken meanwhile): the row fails, naming the key.
   */
  private async conflictOutcome(em: EntityManager, run: Import, rowNumber: number, validation: boolean, error: UniqueConstraintViolationException): Promise<RowOutcome> {
    const earlier = await em.execute<{ status: string }[]>(`select status from import_row_results where import_id = ? and row_number = ?`, [run.id, rowNumber]);
    const recordedInThisPass = earlier.some((row) => validation || row.status !== 'valid');
    if (recordedInThisPass) return { rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.ROW_ALREADY_SAVED' }] };
    const key = uniqueKeyInWords((error as { constraint?: unknown }).constraint);
    this.logger.warn({ msg: 'import row conflicts with a unique key', importId: run.id, rowNumber, constraint: (error as { constraint?: unknown }).constraint });
    return failed(rowNumber, key ? { code: 'IMPORTS.ROW_CONFLICT', params: { key } } : { code: 'IMPORTS.ROW_CONFLICT_UNNAMED' });
  }

  /** Runs the type's work inside a savepoint with its own request context, flushed once. */
  private async runInSavepoint(em: EntityManager, rollBack: boolean, work: () => Promise<RowOutcome[]>): Promise<RowOutcome[]> {
    let outcomes: RowOutcome[] = [];
    try {
      await em.transactional(async (savepoint) => {
        // One lookup scope per chunk: the row commands find the users and definitions its batch lookups found.
        outcomes = await RequestContext.create(savepoint, () => withChunkLookups(() => collectEvents(savepoint, work)));
        await savepoint.flush();
        if (rollBack) throw ROLL_BACK;
      });
    } catch (error) {
      if (error !== ROLL_BACK) throw error;
    }
    return outcomes;
  }

  /** Outcomes as log records; a validation's "succeeded" is recorded as `valid` (it would succeed). */
  private records(outcomes: RowOutcome[], succeededAs: 'valid' | 'succeeded', keepValidationChange = false): OutcomeRecord[] {
    return outcomes.map((outcome) => ({
      row_number: outcome.rowNumber,
      status: outcome.status === 'succeeded' ? succeededAs : outcome.status,
      errors: outcome.errors,
      warnings: outcome.warnings,
      entity_id: outcome.entityId ?? null,
      // A validation's foreseen change is kept only for a type that reads it back at run (keepsValidationChange).
      change: outcome.status === 'succeeded' && (succeededAs === 'succeeded' || keepValidationChange) ? (outcome.change ?? null) : null,
    }));
  }

  private async insertOutcomes(em: EntityManager, importId: string, rows: StagedRow[], records: OutcomeRecord[]): Promise<WrittenOutcome[]> {
    if (records.length === 0) return [];
    const [inserted] = await executeBound<WrittenRows>(
      em,
      `with written as (
         insert into import_row_results (import_id, row_number, status, errors, warnings, cells, entity_id, change)
         select $1, o.* from (${OUTCOME_ROWS}) o
         on conflict (import_id, row_number) do nothing
         returning row_number)
       ${WRITTEN_COUNT('$5')}`,
      [importId, outcomeDocument(records), ...seqRange(rows), records.length],
    );
    return writtenOf(records, inserted);
  }

  /**
   * The run's outcome replaces a row's `valid` (never an outcome that is final already). The run pass after
   * a validation gets only rows recorded `valid`, so every one of them has its row already: an update.
   */
  private async upsertOutcomes(em: EntityManager, importId: string, rows: StagedRow[], records: OutcomeRecord[]): Promise<WrittenOutcome[]> {
    if (records.length === 0) return [];
    const [updated] = await executeBound<WrittenRows>(
      em,
      `with written as (
         update import_row_results x
            set status = r.status, errors = coalesce(r.errors, '[]'::jsonb), warnings = coalesce(r.warnings, '[]'::jsonb), entity_id = r.entity_id, change = r.change, recorded_at = now()
           from jsonb_to_recordset($2::jsonb) as r(row_number int, status text, errors jsonb, warnings jsonb, entity_id uuid, change jsonb)
          where x.import_id = $1 and x.row_number = r.row_number and x.status = 'valid'
         returning x.row_number)
       ${WRITTEN_COUNT('$3')}`,
      [importId, outcomeDocument(records), records.length],
    );
    return writtenOf(records, updated);
  }
}

interface WrittenOutcome {
  row_number: number;
  status: string;
  warned: boolean;
}

/** The first and last seq of a chunk's staged rows. */
function seqRange(rows: StagedRow[]): [number, number] {
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  for (const row of rows) {
    if (row.seq < first) first = row.seq;
    if (row.seq > last) last = row.seq;
  }
  return [first, last];
}

/** What WRITTEN_COUNT reads back: the count, and the row numbers only when some record was not written. */
interface WrittenRows {
  written: number;
  row_numbers: number[] | null;
}

/**
 * The chunk's outcomes as one JSON document, leaving out what the statements default (no errors, no
 * warnings, no entity, no change): most rows of a clean file are just a number and a status, and
 * PostgreSQL parses every byte of the document.
 */
function outcomeDocument(records: OutcomeRecord[]): string {
  return stagedJson(
    records.map((record) => ({
      row_number: record.row_number,
      status: record.status,
      errors: record.errors.length > 0 ? record.errors : undefined,
      warnings: record.warnings.length > 0 ? record.warnings : undefined,
      entity_id: record.entity_id ?? undefined,
      change: record.change ?? undefined,
    })),
  );
}

/** The records the statement wrote (a row recorded already is left out), with what the counters need. */
function writtenOf(records: OutcomeRecord[], written: WrittenRows): WrittenOutcome[] {
  const outcome = (record: OutcomeRecord): WrittenOutcome => ({ row_number: record.row_number, status: record.status, warned: record.warnings.length > 0 });
  // Every record written (the usual case): no need to look each one up.
  if (written.written === records.length) return records.map(outcome);
  const wrote = new Set(written.row_numbers ?? []);
  return records.filter((record) => wrote.has(record.row_number)).map(outcome);
}

/** What validation found, for the type's import-level check; its rows streamed from the log and the staging. */
export function validatedImport(
  em: EntityManager,
  run: Import,
  principal: Principal,
  validRows: number,
  warningGroups: { code: string; rows: number }[],
): ValidatedImport {
  return {
    importId: run.id,
    principal,
    options: run.options,
    validRows,
    warningCounts: Object.fromEntries(warningGroups.map((group) => [group.code, group.rows])),
    async *rows() {
      let after = 0;
      for (;;) {
        // In staging order (the staging table's key), each row's outcome probed by its own key: every staged row
        // is visited once over all batches, however few are valid. (A lateral subquery with LIMIT is never
        // flattened into a join the planner could turn around: from the log's valid rows it would need the
        // staged rows by row number, which has no index, and read all of them for every batch.)
        const batch = await em.execute<{ seq: number; row_number: number; line: number | null; values: Record<string, string>; sheet: SheetRowFacts | null; warnings: ImportMessage[] }[]>(
          `select s.seq, s.row_number, s.line, s."values", s.sheet, r.warnings from import_staged_rows s
             cross join lateral (select x.warnings from import_row_results x
                                  where x.import_id = s.import_id and x.row_number = s.row_number and x.status = 'valid' limit 1) r
            where s.import_id = ? and s.seq > ? order by s.seq limit 1000`,
          [run.id, after],
        );
        for (const row of batch) {
          yield { row: { rowNumber: row.row_number, line: row.line ?? undefined, values: row.values, ...(row.sheet ? { sheet: row.sheet } : {}) }, warnings: row.warnings };
        }
        if (batch.length < 1000) return;
        after = batch[batch.length - 1].seq;
      }
    },
  };
}

function failed(rowNumber: number, error: ImportMessage): RowOutcome {
  return { rowNumber, status: 'failed', errors: [error], warnings: [] };
}

/**
 * A unique index or constraint named as words: `users_user_code_unique` -> "user code". The names
 * follow <table>_<columns>_<unique|key>; anything else is not shown (it could be an internal name).
 */
export function uniqueKeyInWords(constraint: unknown): string | undefined {
  if (typeof constraint !== 'string') return undefined;
  const match = /^[a-z0-9]+_([a-z0-9_]+?)_(unique|key)$/.exec(constraint);
  return match ? match[1].replaceAll('_', ' ') : undefined;
}

function messageOf(error: unknown, logger: Logger, importId: string, rowNumber: number): ImportMessage {
  if (error instanceof DomainError) return { code: error.code, params: error.params as Record<string, string | number> };
  // The driver's message can quote SQL and values: it goes to the log, the admin gets a reference.
  const reference = randomUUID().slice(0, 8);
  logger.warn({ msg: 'import row could not be written', importId, rowNumber, reference, error: String((error as Error)?.message ?? error).slice(0, 2000) });
  return { code: 'IMPORTS.ROW_WRITE_FAILED', params: { reference } };
}
