import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
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

/**
 * Queues what an import needs next, from its state in PostgreSQL alone: the preview read, the staging
 * read, or the chunks of the current pass that have not committed. Jobs have fixed ids, so scheduling
 * twice queues once; after a Redis flush, scheduling again (the reaper does) queues what was lost.
 */
@Injectable()
export class ImportScheduler {
  constructor(
    private readonly orm: MikroORM,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue,
  ) {}

  async schedule(importId: string): Promise<void> {
    const [run] = await this.orm.em
      .fork()
      .execute<{ status: string; staged_at: Date | null }[]>(`select status, staged_at from imports where id = ?`, [importId]);
    if (!run) return;
    if (run.status === 'queued') {
      await this.queue.add('preview', { importId } satisfies PreviewJob, { jobId: previewJobId(importId), ...READ_JOB_OPTIONS });
    } else if (run.status === 'validating' && run.staged_at === null) {
      await this.queue.add('stage', { importId } satisfies StageJob, { jobId: stageJobId(importId), ...READ_JOB_OPTIONS });
    } else if (run.status === 'validating') {
      await this.queueChunks(importId, 'validate');
    } else if (run.status === 'processing') {
      await this.queueChunks(importId, 'run');
    }
  }

  /** The planned chunks of a pass that have not committed, as jobs (in batches: an import may have hundreds). */
  private async queueChunks(importId: string, pass: ChunkPass): Promise<void> {
    const pending = await this.orm.em.fork().execute<{ chunk: number; first_seq: number; last_seq: number }[]>(
      `select p.chunk, p.first_seq, p.last_seq from import_chunk_plan p
        where p.import_id = ? and not exists (select 1 from import_chunks c where c.import_id = p.import_id and c.pass = ? and c.chunk = p.chunk)
        order by p.chunk`,
      [importId, pass],
    );
    for (let start = 0; start < pending.length; start += 200) {
      await this.queue.addBulk(
        pending.slice(start, start + 200).map((chunk) => ({
          name: 'chunk',
          data: { importId, pass, chunk: chunk.chunk, firstSeq: chunk.first_seq, lastSeq: chunk.last_seq } satisfies ChunkJob,
          opts: { jobId: chunkJobId(importId, pass, chunk.chunk), ...CHUNK_JOB_OPTIONS },
        })),
      );
    }
  }
}
