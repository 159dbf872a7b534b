import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CrashRig } from '../support/import-crash.js';

/** A few thousand rows in many small chunks: a kill lands mid-pass, with chunks committed before and after it. */
const ROWS = 3000;
const CHUNK_SIZE = 50;

/**
 * A worker killed with SIGKILL at each step of the staged engine (staging, validation, run), then
 * replaced: the import still ends, every row has exactly one outcome, every chunk of a pass committed
 * once, and no certificate is written twice. The API runs in this process (ROLE=api); the workers are
 * the compiled app in processes of their own. A killed worker's job comes back when its Bull lock
 * expires (IMPORT_JOB_LOCK_MS); the reaper re-queues what a kill lost between a commit and queueing.
 */
describe('imports: a worker killed mid-import is replaced and the import completes exactly once', { timeout: 180_000 }, () => {
  const rig = new CrashRig(ROWS, CHUNK_SIZE, {
    IMPORT_JOB_LOCK_MS: '2000',
    IMPORT_REAPER_INTERVAL_MS: '500',
    IMPORT_STALL_AFTER_SECONDS: '2',
  });

  beforeAll(() => rig.start());
  afterEach(() => rig.stopWorkers());
  afterAll(() => rig.stop());

  it('SIGKILL while the chunks of a straight-through import run', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.upload('CRASH-P');

    const atKill = await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill.status).toBe('processing');
    expect(afterKill.processed_rows).toBeLessThan(ROWS);

    await rig.startWorker();
    await rig.waitForEnd(id);
    process.stdout.write(`run: killed at ${atKill.processed_rows}/${ROWS} rows (${afterKill.processed_rows} committed)\n`);
    await rig.expectExactlyOnce(id, before, ['run']);
  });

  it('SIGKILL during the validation pass; a new worker validates the rest, the admin confirms, the run completes', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.uploadAndMap('CRASH-V');

    await rig.waitFor(id, (s) => s.status === 'validating' && s.validated_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill.status).toBe('validating');
    expect(afterKill.validated_rows).toBeLessThan(ROWS);
    // Validation writes nothing for real.
    expect(await rig.certificateCount()).toBe(before);

    await rig.startWorker();
    const waiting = await rig.confirm(id);
    expect(waiting.counts).toMatchObject({ total: ROWS, validated: ROWS, valid: ROWS, failed: 0 });
    await rig.waitForEnd(id);
    process.stdout.write(`validation: killed with ${afterKill.validated_rows}/${ROWS} rows validated\n`);
    await rig.expectExactlyOnce(id, before, ['validate', 'run']);
  });

  it('SIGKILL during the run after the admin confirmed', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.uploadAndMap('CRASH-R');
    await rig.confirm(id);

    await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill.status).toBe('processing');
    expect(afterKill.processed_rows).toBeLessThan(ROWS);

    await rig.startWorker();
    await rig.waitForEnd(id);
    process.stdout.write(`confirmed run: killed with ${afterKill.processed_rows}/${ROWS} rows committed\n`);
    await rig.expectExactlyOnce(id, before, ['validate', 'run']);
  });

  it('SIGKILL during the stage job (the COPY of rows): the new worker stages from scratch, once', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.uploadAndMap('CRASH-S');

    // Killed while its COPY into import_staged_rows is open (the rows are not committed yet).
    await rig.waitForCopy(id);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill).toMatchObject({ status: 'validating', staged_at: null, chunk_count: null, validated_rows: 0 });

    // While the import waits for a worker and while it is staged again: never a partial or doubled staging.
    const stagedCounts = new Set<string>();
    const sample = async () => {
      const [staged] = await rig.api.sql<{ n: string; seqs: string }>(
        `select count(*) as n, count(distinct seq) as seqs from import_staged_rows where import_id = $1`,
        [id],
      );
      expect(staged.seqs).toBe(staged.n);
      stagedCounts.add(staged.n);
    };
    await sample();
    await rig.startWorker();
    await rig.waitFor(id, (s) => s.status !== 'validating' || s.validated_rows > 0, 120_000).then(sample);
    await sample();
    const waiting = await rig.confirm(id);
    await sample();
    expect(waiting.counts).toMatchObject({ total: ROWS, validated: ROWS, valid: ROWS });
    expect([...stagedCounts].every((n) => n === '0' || n === String(ROWS)), [...stagedCounts].join(', ')).toBe(true);
    expect(stagedCounts.has(String(ROWS))).toBe(true);
    const [{ parse_deaths }] = await rig.api.sql<{ parse_deaths: number }>(`select parse_deaths from imports where id = $1`, [id]);
    expect(parse_deaths).toBe(1);

    await rig.waitForEnd(id);
    await rig.expectExactlyOnce(id, before, ['validate', 'run']);
  });

  it('SIGKILL during the undo of a completed import: a new worker finishes the undo, every certificate removed once', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.upload('CRASH-U');
    await rig.waitForEnd(id);
    await rig.expectExactlyOnce(id, before, ['run']);

    // The undo is an import of its own (mode undo): staged from the original's recorded changes, then run in chunks.
    const undoId = await rig.undo(id);
    const atKill = await rig.waitFor(undoId, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(undoId);
    expect(afterKill.status).toBe('processing');
    expect(afterKill.processed_rows).toBeLessThan(ROWS);
    // Some chunks of the undo committed, not all: the kill landed mid-pass.
    const [{ committed }] = await rig.api.sql<{ committed: string }>(`select count(*) as committed from import_chunks where import_id = $1`, [undoId]);
    expect(Number(committed)).toBeGreaterThan(0);
    expect(Number(committed)).toBeLessThan(rig.chunks);

    await rig.startWorker();
    await rig.waitForEnd(undoId);
    process.stdout.write(`undo: killed at ${atKill.processed_rows}/${ROWS} rows (${afterKill.processed_rows} committed, ${committed} chunks)\n`);
    await rig.expectUndoneExactlyOnce(id, undoId, before);
  });
});

/**
 * A job whose worker keeps dying under it is given up by Bull ("job stalled more than allowable limit",
 * after IMPORT_MAX_STALLED_COUNT stalls); the worker's failed handler then ends the import as failed with
 * IMPORTS.JOB_STALLED instead of leaving it processing for ever. Provoked for real: the limit set to 0,
 * so the first SIGKILL of a worker holding a chunk is one stall too many.
 */
describe('imports: a chunk job that stalls too often fails its import', { timeout: 180_000 }, () => {
  const rig = new CrashRig(ROWS, CHUNK_SIZE, {
    IMPORT_JOB_LOCK_MS: '2000',
    IMPORT_MAX_STALLED_COUNT: '0',
    IMPORT_REAPER_INTERVAL_MS: '500',
    IMPORT_STALL_AFTER_SECONDS: '2',
  });

  beforeAll(() => rig.start());
  afterEach(() => rig.stopWorkers());
  afterAll(() => rig.stop());

  it('SIGKILL of the worker holding a chunk: Bull fails the job, the import ends failed with IMPORTS.JOB_STALLED', async () => {
    rig.showWorkerOutputOnFailure();
    const first = await rig.startWorker();
    const before = await rig.certificateCount();
    const id = await rig.upload('STALL');

    await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill.processed_rows).toBeLessThan(ROWS);

    const second = await rig.startWorker();
    const ended = await rig.waitForEnd(id);
    expect(ended.status).toBe('failed');
    expect(ended.failure).toMatchObject({ code: 'IMPORTS.JOB_STALLED', params: { job: 'chunk' } });
    expect(second.output.some((line) => line.includes('import job gave up'))).toBe(true);
    const body = (await rig.admin.get(`/api/imports/${id}`)).body;
    expect(body.failure.code).toBe('IMPORTS.JOB_STALLED');
    expect(body.failure.message).toBeTruthy();

    // What committed before the end stays consistent: one outcome per processed row, one certificate per success.
    const state = await rig.stateOf(id);
    const [outcomes] = await rig.api.sql<{ total: string; distinct_rows: string; succeeded: string }>(
      `select count(*) as total, count(distinct row_number) as distinct_rows, count(*) filter (where status = 'succeeded') as succeeded
         from import_row_results where import_id = $1`,
      [id],
    );
    expect(outcomes).toEqual({ total: String(state.processed_rows), distinct_rows: String(state.processed_rows), succeeded: String(state.succeeded_rows) });
    expect((await rig.certificateCount()) - before).toBe(state.succeeded_rows);
    expect(await rig.completedEvents(id)).toBe(1);
  });
});
