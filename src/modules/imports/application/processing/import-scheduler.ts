import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { reviveJobs, type FixedIdJob } from '#libs/redis/revive-job.js';
import {
  CHUNK_JOB_OPTIONS,
  chunkJobId,
  IMPORTS_QUEUE,
  previewJobId,
  READ_JOB_OPTIONS,
  stageJobId,
  type ChunkJob,
  type ChunkPass,
  type PreviewJob,
  type StageJob,
} from './import-queue.js';

type ImportJob = PreviewJob | StageJob | ChunkJob;

/**
 * Queues what an import needs next, from its state in PostgreSQL alone: the preview read, the staging
 * read, or the chunks of the current pass that have not committed. Jobs have fixed ids, so scheduling
 * twice queues once; after a Redis flush, scheduling again (the reaper does, with `repair`) queues what was
 * lost, and replaces the remnants of flushed jobs that would otherwise hold their ids forever.
 */
@Injectable()
export class ImportScheduler {
  constructor(
    private readonly orm: MikroORM,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue<ImportJob>,
  ) {}

  async schedule(importId: string, { repair = false }: { repair?: boolean } = {}): Promise<void> {
    const [run] = await this.orm.em
      .fork()
      .execute<{ status: string; staged_at: Date | null }[]>(`select status, staged_at from imports where id = ?`, [importId]);
    if (!run) return;
    if (run.status === 'queued') {
      await this.add([{ name: 'preview', data: { importId } satisfies PreviewJob, opts: { jobId: previewJobId(importId), ...READ_JOB_OPTIONS } }], repair);
    } else if (run.status === 'validating' && run.staged_at === null) {
      await this.add([{ name: 'stage', data: { importId } satisfies StageJob, opts: { jobId: stageJobId(importId), ...READ_JOB_OPTIONS } }], repair);
    } else if (run.status === 'validating') {
      await this.queueChunks(importId, 'validate', repair);
    } else if (run.status === 'processing') {
      await this.queueChunks(importId, 'run', repair);
    }
  }

  private async add(jobs: FixedIdJob<ImportJob>[], repair: boolean): Promise<void> {
    if (repair) await reviveJobs(this.queue, jobs, (data) => typeof data?.importId === 'string');
    else await this.queue.addBulk(jobs);
  }

  /** The planned chunks of a pass that have not committed, as jobs (in batches: an import may have hundreds). */
  private async queueChunks(importId: string, pass: ChunkPass, repair: boolean): Promise<void> {
    const pending = await this.orm.em.fork().execute<{ chunk: number; first_seq: number; last_seq: number }[]>(
      `select p.chunk, p.first_seq, p.last_seq from import_chunk_plan p
        where p.import_id = ? and not exists (select 1 from import_chunks c where c.import_id = p.import_id and c.pass = ? and c.chunk = p.chunk)
        order by p.chunk`,
      [importId, pass],
    );
    for (let start = 0; start < pending.length; start += 200) {
      await this.add(
        pending.slice(start, start + 200).map((chunk) => ({
          name: 'chunk',
          data: { importId, pass, chunk: chunk.chunk, firstSeq: chunk.first_seq, lastSeq: chunk.last_seq } satisfies ChunkJob,
          opts: { jobId: chunkJobId(importId, pass, chunk.chunk), ...CHUNK_JOB_OPTIONS } satisfies JobOptions,
        })),
        repair,
      );
    }
  }
}
