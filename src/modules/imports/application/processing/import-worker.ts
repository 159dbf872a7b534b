import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '#libs/config/app-config.js';
import type { ImportMessage } from '#libs/contracts/imports/index.js';
import { requestContext } from '#libs/logging/request-context.js';
import { SpreadsheetUnreadable } from '#libs/spreadsheet/spreadsheet-reader.js';
import { ZipRejected } from '#libs/zip/safe-zip.js';
import { Import } from '../../domain/import.js';
import { ImportTypeRegistry } from '../import-type-registry.js';
import { ChunkProcessor, finishImport } from './chunk-processor.js';
import { ImportParser, ImportRejected } from './import-parser.js';
import { IMPORTS_QUEUE, type ChunkJob, type ParseJob } from './import-queue.js';

/** Reads of one import's file that may die (the process ends mid-read) before the import is failed instead. */
export const MAX_PARSE_DEATHS = 2;
/** Ends this process could not record (the database was away), remembered for its next claim of the import. */
const MAX_UNRECORDED_ENDS = 1000;

/**
 * The worker side of the engine: `parse` jobs read and check a file and fan it out into chunk jobs;
 * `chunk` jobs process rows. Only processes with ROLE=worker or all consume them.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ImportWorker.name);
  /** Imports whose file this process is reading now. */
  private readonly reading = new Set<string>();
  /** Reads that ended here while their end could not be written: not deaths when claimed here again. */
  private readonly unrecordedEnds = new Set<string>();

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly registry: ImportTypeRegistry,
    private readonly parser: ImportParser,
    private readonly chunks: ChunkProcessor,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    void this.queue.process('parse', 1, (job: Job<ParseJob>) =>
      requestContext.run({ requestId: `import:${job.data.importId}:parse` }, () => this.parse(job.data.importId)),
    );
    // A job that used up its retries (the database was gone for minutes, a bug) ends its import as
    // failed instead of leaving it running forever; rows already done stay done and are reported.
    this.queue.on('failed', (job: Job<ParseJob | ChunkJob>, error: Error) => {
      if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
      const reference = randomUUID().slice(0, 8);
      this.logger.error({ msg: 'import job gave up', importId: job.data.importId, job: job.name, reference, error: String(error) });
      void this.parser
        .discard(job.data.importId)
        .then(() =>
          this.orm.em.fork().transactional((tx) => finishImport(tx, job.data.importId, 'failed', { code: 'IMPORTS.UNEXPECTED_ERROR', params: { reference } })),
        )
        .catch((failure) => this.logger.error({ msg: 'could not mark the import failed', importId: job.data.importId, error: String(failure) }));
    });
    void this.queue.process('chunk', this.config.imports.chunkConcurrency, (job: Job<ChunkJob>) =>
      requestContext.run({ requestId: `import:${job.data.importId}:${job.data.chunk}` }, () => this.chunks.process(job.data)),
    );
  }

  async parse(importId: string): Promise<void> {
    const em = this.orm.em.fork();
    const run = await em.findOne(Import, { id: importId });
    if (!run) return;
    if (run.status === 'processing' && run.chunkCount !== null) {
      // Parsed before a crash, but the chunks may not have been released yet.
      await this.parser.release(run.id, run.chunkCount);
      return;
    }
    if (run.status !== 'queued' && run.status !== 'validating') return;
    // A start counts as a death only if the one before it never ended (see recordEnd): a graceful shutdown,
    // a redelivered job or a transient error ends a read without it dying.
    const endedHere = this.unrecordedEnds.delete(run.id);
    const [claimed] = await em.execute<{ parse_deaths: number }[]>(
      `update imports set status = 'validating', started_at = coalesce(started_at, now()), parse_starts = parse_starts + 1,
          parse_deaths = parse_deaths + case when parse_running and not ?::boolean then 1 else 0 end, parse_running = true
        where id = ? and status in ('queued', 'validating') returning parse_deaths`,
      [endedHere, run.id],
    );
    if (!claimed) return;
    this.reading.add(run.id);
    try {
      await this.parseClaimed(em, run, claimed.parse_deaths);
    } finally {
      this.reading.delete(run.id);
      await this.recordEnd(run.id);
    }
  }

  /**
   * Shutting down: the reads still running here end now, whatever happens to the process next (the
   * shutdown deadline may stop it mid-read). The next start of their imports is no death.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const importId of [...this.reading]) await this.recordEnd(importId);
  }

  /** Records that the read of an import's file ended in this process (not died). */
  private async recordEnd(importId: string): Promise<void> {
    try {
      await this.orm.em.fork().execute(`update imports set parse_running = false where id = ?`, [importId]);
    } catch (error) {
      // The database is away: the next claim in this process knows; one in another counts a death at worst.
      if (this.unrecordedEnds.size >= MAX_UNRECORDED_ENDS) this.unrecordedEnds.delete(this.unrecordedEnds.values().next().value!);
      this.unrecordedEnds.add(importId);
      this.logger.warn({ msg: 'could not record the end of an import read', importId, error: String(error) });
    }
  }

  private async parseClaimed(em: EntityManager, run: Import, deaths: number): Promise<void> {
    if (deaths >= MAX_PARSE_DEATHS) {
      // Earlier reads of this file died (out of memory, a crash). Reading it again would kill this
      // worker too, and the next, so the import ends here.
      this.logger.error({ msg: 'import file not read again after earlier reads died', importId: run.id, deaths });
      await this.parser.discard(run.id);
      await this.orm.em.fork().transactional((tx) => finishImport(tx, run.id, 'failed', { code: 'IMPORTS.PARSE_DIED', params: { attempts: deaths } }));
      return;
    }
    const started = Date.now();
    try {
      const type = this.registry.get(run.type);
      const result = await this.parser.parse(run, type);
      const marked = await em.execute(
        `update imports set status = 'processing', parsed_at = now(), header = ?::jsonb, total_rows = ?, chunk_count = ?, warnings = warnings || ?::jsonb
          where id = ? and status = 'validating' returning id`,
        [JSON.stringify(result.header), result.totalRows, result.chunkCount, JSON.stringify(result.warnings), run.id],
      );
      if (marked.length === 0) {
        await this.parser.discard(run.id);
        return;
      }
      this.logger.log({ msg: 'import parsed', importId: run.id, rows: result.totalRows, chunks: result.chunkCount, parseMs: Date.now() - started });
      await this.parser.release(run.id, result.chunkCount);
    } catch (error) {
      const problem = storable(this.problemOf(error, run.id));
      await this.parser.discard(run.id);
      await this.orm.em.fork().transactional((tx) => finishImport(tx, run.id, 'failed', problem));
    }
  }

  private problemOf(error: unknown, importId: string): ImportMessage {
    if (error instanceof ImportRejected) return error.problem;
    if (error instanceof ZipRejected || error instanceof SpreadsheetUnreadable) return { code: error.code, params: error.params };
    const reference = randomUUID().slice(0, 8);
    this.logger.error({ msg: 'import parse failed unexpectedly', importId, reference, error: String(error), stack: (error as Error)?.stack });
    return { code: 'IMPORTS.UNEXPECTED_ERROR', params: { reference } };
  }
}

/** The failure is stored as jsonb, which refuses NUL characters (a reason may quote bytes of a binary file). */
function storable(problem: ImportMessage): ImportMessage {
  if (!problem.params) return problem;
  return { ...problem, params: Object.fromEntries(Object.entries(problem.params).map(([key, value]) => [key, typeof value === 'string' ? value.replaceAll('\u0000', '') : value])) };
}
