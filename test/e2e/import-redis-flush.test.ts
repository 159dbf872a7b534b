import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImportScheduler } from '../../src/modules/imports/application/processing/import-scheduler.js';
import { CrashRig } from '../support/import-crash.js';

const ROWS = 3000;
const CHUNK_SIZE = 50;
const STALL_AFTER_SECONDS = 2;

/**
 * Redis loses everything of this installation (a flush, a failover to an empty replica): every queued
 * chunk job, lock and counter of the queue prefix is gone, while PostgreSQL knows exactly where each
 * import is. The reaper (every IMPORT_REAPER_INTERVAL_MS, in one worker process at a time: advisory
 * lock) finds the imports whose progress stalled and queues their missing jobs again from PostgreSQL.
 * Only this test's prefix is deleted (SCAN + DEL): other tests share the Redis.
 */
describe('imports: a Redis flush mid-import is repaired by the reaper', { timeout: 180_000 }, () => {
  const rig = new CrashRig(ROWS, CHUNK_SIZE, {
    IMPORT_JOB_LOCK_MS: '2000',
    IMPORT_REAPER_INTERVAL_MS: '500',
    IMPORT_STALL_AFTER_SECONDS: String(STALL_AFTER_SECONDS),
  });

  beforeAll(() => rig.start());
  afterEach(() => rig.stopWorkers());
  afterAll(() => rig.stop());

  it('flushed during the validation pass and again during the run: the import completes, every row once', async () => {
    rig.showWorkerOutputOnFailure();
    await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.uploadAndMap('FLUSH');

    const inValidation = await rig.waitFor(id, (s) => s.status === 'validating' && s.validated_rows >= ROWS * 0.1);
    const keysInValidation = await rig.flushQueue();
    expect(keysInValidation).toBeGreaterThan(0);
    const waiting = await rig.confirm(id);
    expect(waiting.counts).toMatchObject({ total: ROWS, validated: ROWS, valid: ROWS, failed: 0 });

    const inRun = await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    const keysInRun = await rig.flushQueue();
    expect(keysInRun).toBeGreaterThan(0);
    const afterFlush = await rig.stateOf(id);
    expect(afterFlush.status).toBe('processing');
    expect(afterFlush.processed_rows).toBeLessThan(ROWS);

    await rig.waitForEnd(id);
    process.stdout.write(
      `flushed ${keysInValidation} keys at ${inValidation.validated_rows}/${ROWS} validated, ${keysInRun} keys at ${inRun.processed_rows}/${ROWS} processed\n`,
    );
    await rig.expectExactlyOnce(id, before, ['validate', 'run']);
    expect(rig.workers[0].output.some((line) => line.includes('import reaper') && line.includes(id))).toBe(true);
  });

  it('flushed while an undo runs: the reaper queues its missing chunks, every certificate is removed once', async () => {
    rig.showWorkerOutputOnFailure();
    const worker = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.upload('FLUSH-U');
    await rig.waitForEnd(id);
    await rig.expectExactlyOnce(id, before, ['run']);

    const undoId = await rig.undo(id);
    const inUndo = await rig.waitFor(undoId, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    const keys = await rig.flushQueue();
    expect(keys).toBeGreaterThan(0);
    const afterFlush = await rig.stateOf(undoId);
    expect(afterFlush.status).toBe('processing');
    expect(afterFlush.processed_rows).toBeLessThan(ROWS);

    await rig.waitForEnd(undoId);
    process.stdout.write(`undo: flushed ${keys} keys at ${inUndo.processed_rows}/${ROWS} rows undone\n`);
    await rig.expectUndoneExactlyOnce(id, undoId, before);
    expect(worker.output.some((line) => line.includes('import reaper') && line.includes(undoId))).toBe(true);
  });

  it('two workers, both reaping, after a flush: every chunk is queued and committed once, the import completes once', async () => {
    rig.showWorkerOutputOnFailure();
    await Promise.all([rig.startWorker(), rig.startWorker()]);
    const before = await rig.certificateCount();
    const id = await rig.upload('FLUSH-2');

    await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    expect(await rig.flushQueue()).toBeGreaterThan(0);
    await rig.waitForEnd(id);
    // expectExactlyOnce checks one import_chunks row per chunk and one ImportCompleted in the outbox.
    await rig.expectExactlyOnce(id, before, ['run']);
    const reapedBy = rig.workers.filter((worker) => worker.output.some((line) => line.includes('import reaper') && line.includes(id)));
    expect(reapedBy.length).toBeGreaterThan(0);
  });

  it('remnants of flushed jobs (a hash without data, in no list) are replaced: their chunks run, every row once', async () => {
    rig.showWorkerOutputOnFailure();
    await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.upload('FLUSH-REMNANT');

    await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    expect(await rig.flushQueue()).toBeGreaterThan(0);
    const planted = await rig.plantRemnants(id, 'run');
    expect(planted.length).toBeGreaterThan(0);

    await rig.waitForEnd(id);
    await rig.expectExactlyOnce(id, before, ['run']);
  });

  it('no reaper runs while another holds the reaper lock; once it is released, the import completes', async () => {
    rig.showWorkerOutputOnFailure();
    // Whoever holds the lock is "the reaper" for the others: here the test, which never reaps.
    const holder = new pg.Client({ connectionString: rig.api.database.url });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(hashtext('imports-reaper'))`);
      await rig.startWorker();
      const before = await rig.certificateCount();
      const id = await rig.upload('FLUSH-LOCKED');
      await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
      expect(await rig.flushQueue()).toBeGreaterThan(0);

      // The chunks running at the flush commit; then nothing moves: no job is left and no reaper may run.
      const stalled = await rig.waitFor(id, () => true);
      await waitUntil(async () => {
        const [{ idle }] = await rig.api.sql<{ idle: boolean }>(`select now() - progress_at > make_interval(secs => $2) as idle from imports where id = $1`, [
          id,
          STALL_AFTER_SECONDS * 3,
        ]);
        return idle;
      });
      const still = await rig.stateOf(id);
      expect(still.status).toBe('processing');
      expect(still.chunks_done).toBeLessThan(rig.chunks);
      expect(still.chunks_done).toBeGreaterThanOrEqual(stalled.chunks_done);
      expect(rig.workers.at(-1)!.output.some((line) => line.includes('import reaper') && line.includes(id))).toBe(false);

      await holder.query(`select pg_advisory_unlock(hashtext('imports-reaper'))`);
      await rig.waitForEnd(id);
      await rig.expectExactlyOnce(id, before, ['run']);
    } finally {
      await holder.end();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A flush while a big file is being staged: the reaper finds the import stalled (staging writes no
 * progress until its COPY commits) and queues its stage job again, which a second, idle worker takes
 * while the first is still staging. The two stagings of one import must not both run: they would COPY
 * the same rows (primary key clash) or one would delete what the other staged.
 */
describe('imports: a flush during a long staging, with two workers', { timeout: 180_000 }, () => {
  const BIG = 50_000;
  const rig = new CrashRig(BIG, 1000, {
    IMPORT_JOB_LOCK_MS: '2000',
    IMPORT_REAPER_INTERVAL_MS: '250',
    // The shortest stall there is: the staging of 50,000 rows takes several seconds, so the reaper queues
    // its stage job again while it runs.
    IMPORT_STALL_AFTER_SECONDS: '1',
  });

  beforeAll(() => rig.start());
  afterEach(() => rig.stopWorkers());
  afterAll(() => rig.stop());

  it('the stage job queued again (as the reaper does) does not stage the import a second time at once', async () => {
    rig.showWorkerOutputOnFailure();
    await Promise.all([rig.startWorker(), rig.startWorker()]);
    // Every row lacks its user code: it fails while read, so validating 50,000 rows is quick.
    const id = await rig.uploadAndMap('FLUSH-STAGE', rig.file('FLUSH-STAGE', true));
    await rig.waitForCopy(id);
    expect(await rig.flushQueue()).toBeGreaterThan(0);
    // What the reaper does once the import looks stalled, done at once: on a quiet machine the staging of
    // 50,000 rows can end before the reaper's stall period has passed, and the overlap this test is about
    // would then not happen at all.
    await rig.api.running.app.get(ImportScheduler, { strict: false }).schedule(id, { repair: true });

    const ended = await rig.waitForEnd(id);
    expect(ended.failure).toBeNull();
    expect(ended).toMatchObject({ status: 'completed_with_errors', total_rows: BIG, validated_rows: BIG, failed_rows: BIG, chunks_done: rig.chunks });
    const [outcomes] = await rig.api.sql<{ total: string; distinct_rows: string; failed: string }>(
      `select count(*) as total, count(distinct row_number) as distinct_rows, count(*) filter (where status = 'failed') as failed
         from import_row_results where import_id = $1`,
      [id],
    );
    expect(outcomes).toEqual({ total: String(BIG), distinct_rows: String(BIG), failed: String(BIG) });
    const [{ parse_deaths }] = await rig.api.sql<{ parse_deaths: number }>(`select parse_deaths from imports where id = $1`, [id]);
    expect(parse_deaths).toBe(0);
    expect(await rig.completedEvents(id)).toBe(1);
    // It did happen: the stage job came again while the first staging ran, and stood down.
    expect(rig.workers.some((worker) => worker.output.some((line) => line.includes('import is being staged by another worker') && line.includes(id)))).toBe(true);
    process.stdout.write(`  ${id}: ${await rig.timeline(id)}\n`);
  });
});
