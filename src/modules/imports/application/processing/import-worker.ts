import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Job, Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '#libs/config/app-config.js';
import type { ImportMessage, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import { GetPrincipalQuery } from '#libs/contracts/users/index.js';
import { requestContext } from '#libs/logging/request-context.js';
import { cellText } from '#libs/spreadsheet/cell-text.js';
import { SpreadsheetUnreadable } from '#libs/spreadsheet/spreadsheet-reader.js';
import { ZipRejected } from '#libs/zip/safe-zip.js';
import { checkMapping, suggestMapping, type ColumnMapping } from '../../domain/column-mapping.js';
import { Import, type ImportPreview } from '../../domain/import.js';
import { columnLetters } from '../../domain/row-normaliser.js';
import { ImportRepository, sql } from '../../infrastructure/import-repository.js';
import { MappingMemory } from '../../infrastructure/mapping-memory.js';
import { ImportColumns } from '../import-columns.js';
import { ImportTypeRegistry } from '../import-type-registry.js';
import { ChunkProcessor } from './chunk-processor.js';
import { IMPORTS_QUEUE, type ChunkJob, type PreviewJob, type StageJob } from './import-queue.js';
import { ImportScheduler } from './import-scheduler.js';
import { ImportRejected, ImportSource } from './import-source.js';
import { ImportStager } from './import-stager.js';

/** Reads of one import's file that may die (the process ends mid-read) before the import is failed instead. */
export const MAX_PARSE_DEATHS = 2;
/** Ends this process could not record (the database was away), remembered for its next claim of the import. */
const MAX_UNRECORDED_ENDS = 1000;
/** Longest header a file may have. */
const MAX_HEADER_LENGTH = 1000;
/** Rows shown in the preview. */
export const PREVIEW_ROWS = 20;
/** Bull's own reason for a job whose worker kept disappearing (stalled more than maxStalledCount). */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/i;

type ReadKind = 'preview' | 'stage';

/**
 * The worker side of the engine. `preview` jobs read the header and the first rows; `stage` jobs read
 * the whole file into the staging table and plan its chunks; `chunk` jobs validate or run a planned
 * range of rows. Only processes with ROLE=worker or all consume them.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ImportWorker.name);
  /** Imports whose file this process is reading now. */
  private readonly reading = new Set<string>();
  /** Reads that ended here while their end could not be written: not deaths when claimed here again. */
  private readonly unrecordedEnds = new Set<string>();
  /** Shutting down: no new read starts here (its job goes back to the queue for another worker). */
  private stopping = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly registry: ImportTypeRegistry,
    private readonly source: ImportSource,
    private readonly stager: ImportStager,
    private readonly chunks: ChunkProcessor,
    private readonly scheduler: ImportScheduler,
    private readonly imports: ImportRepository,
    private readonly columns: ImportColumns,
    private readonly memory: MappingMemory,
    private readonly queries: QueryBus,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    this.queue.process('preview', 2, (job: Job<PreviewJob>) =>
      this.isRemnant(job) ? undefined : requestContext.run({ requestId: `import:${job.data.importId}:preview` }, () => this.read(job.data.importId, 'preview')),
    ).catch((error: unknown) => this.logger.warn({ msg: 'stopped taking import jobs', error: String(error) }));
    this.queue.process('stage', 1, (job: Job<StageJob>) =>
      this.isRemnant(job) ? undefined : requestContext.run({ requestId: `import:${job.data.importId}:stage` }, () => this.read(job.data.importId, 'stage')),
    ).catch((error: unknown) => this.logger.warn({ msg: 'stopped taking import jobs', error: String(error) }));
    // A job that used up its retries (the database was gone for minutes, a bug), or that Bull gave up on
    // because its worker kept dying under it, ends its import as failed instead of leaving it running.
    this.queue.on('failed', (job: Job<PreviewJob | StageJob | ChunkJob>, error: Error) => {
      if (typeof job.data?.importId !== 'string') return;
      const stalled = STALLED_TOO_OFTEN.test(String(error?.message ?? error));
      if (!stalled && job.attemptsMade < (job.opts.attempts ?? 1)) return;
      const reference = randomUUID().slice(0, 8);
      this.logger.error({ msg: 'import job gave up', importId: job.data.importId, job: job.name, reference, error: String(error) });
      const problem: ImportMessage = stalled ? { code: 'IMPORTS.JOB_STALLED', params: { job: job.name, reference } } : { code: 'IMPORTS.UNEXPECTED_ERROR', params: { reference } };
      void this.orm.em
        .fork()
        .transactional((tx) => this.imports.finish(tx, job.data.importId, 'failed', problem))
        .catch((failure) => this.logger.error({ msg: 'could not mark the import failed', importId: job.data.importId, error: String(failure) }));
    });
    this.queue.process('chunk', this.config.imports.chunkConcurrency, (job: Job<ChunkJob>) =>
      this.isRemnant(job) ? 'skipped' : requestContext.run({ requestId: `import:${job.data.importId}:${job.data.pass}:${job.data.chunk}` }, async () => {
        const result = await this.chunks.process(job.data);
        // Validation ended and the run goes on by itself (auto-confirm): its chunks are queued now.
        if (result === 'advanced') await this.scheduler.schedule(job.data.importId);
        return result;
      }),
    ).catch((error: unknown) => this.logger.warn({ msg: 'stopped taking import jobs', error: String(error) }));
  }

  /**
   * A job whose hash lost its data: what a Redis flush leaves when it deletes a job's hash while a worker
   * takes the job (Bull then recreates the hash with `processedOn` alone). It carries no import and is
   * dropped; the reaper queues the chunk or read it stood for again, from PostgreSQL.
   */
  private isRemnant(job: Job<PreviewJob | StageJob | ChunkJob>): boolean {
    if (typeof job.data?.importId === 'string') return false;
    this.logger.warn({ msg: 'import job without its data dropped (a remnant of a Redis flush)', job: job.name, jobId: job.id });
    return true;
  }

  /** A preview or staging read of an import's file, guarded against files that kill the reader. */
  async read(importId: string, kind: ReadKind): Promise<void> {
    if (this.stopping) throw new Error('this worker is shutting down; the read is retried elsewhere');
    const em = this.orm.em.fork();
    const run = await em.findOne(Import, { id: importId });
    if (!run) return;
    const status = kind === 'preview' ? 'queued' : 'validating';
    if (run.status !== status || (kind === 'stage' && run.stagedAt !== null)) {
      // Staged before a crash, but its chunks may not have been queued yet.
      if (kind === 'stage' && run.stagedAt !== null) await this.scheduler.schedule(run.id);
      return;
    }
    if (kind === 'stage') {
      // One staging of an import at a time, across worker processes. A stage job queued again while the
      // first still runs (the reaper, after a Redis flush lost the job) would COPY the same rows, or reset
      // what the other staged. A session-level lock on a connection of its own, in no transaction (a long
      // staging must not pin xmin); a reader that dies frees it with its connection, and the reaper queues
      // the job again. A second reader stands down.
      const pool = await this.orm.em.getConnection().getNativeClient();
      const client = await pool.connect();
      let locked: boolean | undefined;
      try {
        locked = (await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(hashtext('imports-stage'), hashtext($1)) as locked`, [run.id])).rows[0]?.locked === true;
        if (locked) await this.claimedRead(run, kind, status);
        else this.logger.log({ msg: 'import is being staged by another worker', importId: run.id });
      } finally {
        // A session that may still hold the lock never goes back to the pool: its connection is closed instead.
        const unlocked =
          locked === false ||
          (locked === true &&
            (await client.query<{ unlocked: boolean }>(`select pg_advisory_unlock(hashtext('imports-stage'), hashtext($1)) as unlocked`, [run.id]).then(
              ({ rows }) => rows[0]?.unlocked === true,
              () => false,
            )));
        client.release(unlocked ? undefined : new Error('import stage lock not released'));
      }
      return;
    }
    await this.claimedRead(run, kind, status);
  }

  private async claimedRead(run: Import, kind: ReadKind, status: 'queued' | 'validating'): Promise<void> {
    // A start counts as a death only if the one before it never ended (see recordEnd): a graceful shutdown,
    // a redelivered job or a transient error ends a read without it dying.
    const endedHere = this.unrecordedEnds.delete(run.id);
    const claimed = await this.imports.claimRead(this.orm.em.fork(), run.id, status, endedHere);
    if (!claimed) return;
    this.reading.add(run.id);
    if (this.stopping) {
      // The shutdown began while this read was being claimed: it ends here, unread (the job is retried).
      this.reading.delete(run.id);
      await this.recordEnd(run.id);
      throw new Error('this worker is shutting down; the read is retried elsewhere');
    }
    try {
      if (claimed.parse_deaths >= MAX_PARSE_DEATHS) {
        // Earlier reads of this file died (out of memory, a crash). Reading it again would kill this
        // worker too, and the next, so the import ends here.
        this.logger.error({ msg: 'import file not read again after earlier reads died', importId: run.id, deaths: claimed.parse_deaths });
        await this.fail(run.id, { code: 'IMPORTS.PARSE_DIED', params: { attempts: claimed.parse_deaths } });
        return;
      }
      const type = this.registry.get(run.type);
      if (kind === 'preview') await this.preview(run, type);
      else await this.stage(run, type);
    } catch (error) {
      await this.fail(run.id, storable(this.problemOf(error, run.id)));
    } finally {
      this.reading.delete(run.id);
      await this.recordEnd(run.id);
    }
  }

  /**
   * Reads the header and the first rows, and suggests a mapping (this admin's remembered mapping for
   * these headers first). The import then waits for its mapping, unless the upload asked to auto-confirm:
   * then the mapping must be complete without guessing (template headers, aliases, remembered, or sent
   * along), or the import fails naming what is missing, since no one is there to map it.
   */
  private async preview(run: Import, type: ImportTypeDefinition): Promise<void> {
    const em = this.orm.em.fork();
    const principal = await RequestContext.create(this.orm.em.fork(), () => this.queries.execute(new GetPrincipalQuery(run.startedBy)));
    if (!principal) throw new ImportRejected({ code: 'COMMON.UNAUTHENTICATED' });
    // Switched off since the upload: the file is not read at all.
    if (!(await this.registry.isAvailable(type, principal))) throw new ImportRejected({ code: 'IMPORTS.TYPE_SWITCHED_OFF', params: { type: type.title } });
    const read = await this.source.open(run, type, async (table) => {
      let headers: string[] | undefined;
      const sampleRows: string[][] = [];
      let more = false;
      for await (const row of table.rows(PREVIEW_ROWS + 1)) {
        const cells = row.cells.map((cell) => (typeof cell === 'boolean' ? (cell ? 'TRUE' : 'FALSE') : cellText(cell)));
        if (!headers) headers = cells;
        else if (sampleRows.length < PREVIEW_ROWS) sampleRows.push(cells.map((cell) => cell.slice(0, 1000)));
        else {
          more = true;
          break;
        }
      }
      return { headers, sampleRows, more, warnings: table.warnings };
    });
    if (!read.headers || read.headers.every((header) => header.trim() === '')) throw new ImportRejected({ code: 'IMPORTS.NO_HEADER' });
    const headers = read.headers;
    // Headers travel in every view of the import and are what a mapping names: a page of text is no header.
    const long = headers.findIndex((header) => header.length > MAX_HEADER_LENGTH);
    if (long >= 0) throw new ImportRejected({ code: 'IMPORTS.HEADER_TOO_LONG', params: { column: columnLetters(long), length: headers[long].length, max: MAX_HEADER_LENGTH } });
    const columns = await this.columns.for(type, principal, run.options);
    const remembered = await this.memory.recall(em, run.startedBy, type.key, headers);
    const suggestions = suggestMapping(headers, columns, remembered);
    const preview: ImportPreview = { headers, sampleRows: read.sampleRows, suggestions, warnings: read.warnings };
    // A header that is not the type's at all (binary bytes, another export) is named as such before "no rows".
    const noRows = () => new ImportRejected({ code: 'IMPORTS.NO_ROWS' });
    if (!run.autoConfirm && read.sampleRows.length === 0) throw noRows();
    if (run.autoConfirm) {
      // Sure matches only: a fuzzy guess is shown to an admin, never run unseen.
      const mapping: ColumnMapping = { ...(run.mapping ?? {}) };
      const explicit = new Set(Object.keys(mapping));
      for (const suggestion of suggestions) {
        if (!explicit.has(suggestion.header) && suggestion.key && suggestion.reason !== 'fuzzy' && !Object.hasOwn(mapping, suggestion.header)) {
          mapping[suggestion.header] = suggestion.key;
        }
      }
      const problems = checkMapping(headers, mapping, columns);
      if (problems.length === 0 && read.sampleRows.length === 0) throw noRows();
      if (problems.length === 0) {
        const moved = await this.imports.move(em, run.id, 'validating', { preview, header: headers, mapping, parsed_at: sql('now()') }, ['queued']);
        if (moved) {
          await this.memory.remember(em, run.startedBy, type.key, headers, mapping);
          await this.scheduler.schedule(run.id);
        }
        return;
      }
      // No one is there to map it: the import fails, naming what is missing (upload it without autoConfirm to map the columns).
      throw new ImportRejected({ code: problems[0].code, params: { ...problems[0].params, autoConfirm: 1 } });
    }
    await this.imports.move(em, run.id, 'awaiting_mapping', { preview, header: headers, parsed_at: sql('now()') }, ['queued']);
  }

  /** Stages every row, then queues the first pass: validation, or straight to the run when nothing can need confirming. */
  private async stage(run: Import, type: ImportTypeDefinition): Promise<void> {
    const started = Date.now();
    const em = this.orm.em.fork();
    if (run.mode === 'undo') {
      const staged = await this.stager.stageUndo(run);
      const moved = await this.imports.move(em, run.id, 'processing', { staged_at: sql('now()'), total_rows: staged.totalRows, run_rows: staged.totalRows, chunk_count: staged.chunkCount, chunks_done: 0 }, ['validating']);
      if (!moved) await this.stager.reset(em, run.id);
      else if (staged.chunkCount === 0) await em.transactional((tx) => this.imports.finish(tx, run.id, 'completed'));
      else await this.scheduler.schedule(run.id);
      return;
    }
    const principal = await RequestContext.create(this.orm.em.fork(), () => this.queries.execute(new GetPrincipalQuery(run.startedBy)));
    if (!principal) throw new ImportRejected({ code: 'COMMON.UNAUTHENTICATED' });
    // Switched off since the mapping was set: the file is not read for nothing (the chunks check again).
    if (!(await this.registry.isAvailable(type, principal))) throw new ImportRejected({ code: 'IMPORTS.TYPE_SWITCHED_OFF', params: { type: type.title } });
    const columns = await this.columns.for(type, principal, run.options);
    const result = await this.stager.stage(run, type, columns);
    const straightToRun = run.autoConfirm && !run.validateOnly && !type.warningsToConfirm?.length && !type.checkBeforeRun;
    const values = {
      staged_at: sql('now()'),
      header: result.header,
      total_rows: result.totalRows,
      chunk_count: result.chunkCount,
      chunks_done: 0,
      warnings: sql('warnings || ?::jsonb', JSON.stringify(result.warnings)),
    };
    const moved = straightToRun
      ? await this.imports.move(em, run.id, 'processing', { ...values, run_rows: result.totalRows, confirmed_at: sql('now()') }, ['validating'])
      : await this.imports.update(em, run.id, ['validating'], values);
    if (!moved) {
      // Cancelled while it was read: what it staged goes.
      await this.stager.reset(em, run.id);
      return;
    }
    this.logger.log({ msg: 'import staged', importId: run.id, rows: result.totalRows, chunks: result.chunkCount, stageMs: Date.now() - started, steps: result.steps, straightToRun });
    await this.scheduler.schedule(run.id);
  }

  private async fail(importId: string, problem: ImportMessage): Promise<void> {
    await this.orm.em.fork().transactional((tx) => this.imports.finish(tx, importId, 'failed', problem));
  }

  /**
   * Shutting down: the reads still running here end now, whatever happens to the process next (the
   * shutdown deadline may stop it mid-read). The next start of their imports is no death.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const importId of [...this.reading]) await this.recordEnd(importId);
  }

  /** Records that the read of an import's file ended in this process (not died). */
  private async recordEnd(importId: string): Promise<void> {
    try {
      await this.imports.endRead(this.orm.em.fork(), importId);
    } catch (error) {
      // The database is away: the next claim in this process knows; one in another counts a death at worst.
      if (this.unrecordedEnds.size >= MAX_UNRECORDED_ENDS) this.unrecordedEnds.delete(this.unrecordedEnds.values().next().value!);
      this.unrecordedEnds.add(importId);
      this.logger.warn({ msg: 'could not record the end of an import read', importId, error: String(error) });
    }
  }

  private problemOf(error: unknown, importId: string): ImportMessage {
    if (error instanceof ImportRejected) return error.problem;
    if (error instanceof ZipRejected || error instanceof SpreadsheetUnreadable) return { code: error.code, params: error.params };
    const reference = randomUUID().slice(0, 8);
    this.logger.error({ msg: 'import read failed unexpectedly', importId, reference, error: String(error), stack: (error as Error)?.stack });
    return { code: 'IMPORTS.UNEXPECTED_ERROR', params: { reference } };
  }
}

/** The failure is stored as jsonb, which refuses NUL characters (a reason may quote bytes of a binary file). */
function storable(problem: ImportMessage): ImportMessage {
  if (!problem.params) return problem;
  return { ...problem, params: Object.fromEntries(Object.entries(problem.params).map(([key, value]) => [key, typeof value === 'string' ? value.replaceAll('\u0000', '') : value])) };
}
