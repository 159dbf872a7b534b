import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ObtainedCertificateRegistered } from '#libs/contracts/certificates/index.js';
import { BATCH_KEY } from '#libs/outbox/outbox.js';
import { csv, type Cell } from '../support/files.js';
import { Http } from '../support/http.js';
import { CERTIFICATE_HEADER, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildIfStale, WorkerProcess, workerEnvFor } from '../support/worker-process.js';

const ROWS = 20_000;
const CHUNK_SIZE = 500;
const JOB_LOCK_MS = 3000;
const USERS = ['L-1001', 'L-1002', 'L-1003', 'L-1004', 'L-1005', 'L-1006'];
const DEFINITIONS = ['VCA-BASIS', 'FORKLIFT', 'BHV', 'EHBO', 'NT2-B1'];
interface ImportState {
  status: string;
  total_rows: number;
  processed_rows: number;
  succeeded_rows: number;
  failed_rows: number;
  skipped_rows: number;
  chunk_count: number | null;
  chunks_done: number;
}

/**
 * A worker killed with SIGKILL in the middle of an import, then replaced: the import still ends, every
 * row has exactly one outcome, and no certificate is written twice. The API runs in this process
 * (ROLE=api); the workers are the compiled app in processes of their own, sharing database, Redis,
 * queue prefix and storage.
 */
describe('imports: a worker killed mid-import is replaced and the import completes exactly once', () => {
  let api: TestApp;
  let admin: Http;
  const dataDir = mkdtempSync(join(tmpdir(), 'cit-crash-'));
  const queuePrefix = `cit_crash_${randomBytes(4).toString('hex')}`;
  const workers: WorkerProcess[] = [];
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    buildIfStale();
    const env = {
      QUEUE_PREFIX: queuePrefix,
      DATA_DIR: dataDir,
      IMPORT_JOB_LOCK_MS: String(JOB_LOCK_MS),
      IMPORT_CHUNK_SIZE: String(CHUNK_SIZE),
    };
    api = await startTestApp({ env: { ...env, ROLE: 'api' } });
    admin = await new Http(api.url).login('admin@example.com');
    workerEnv = workerEnvFor(api, env);
  });

  afterAll(async () => {
    // Always, even after a failed test: no worker outlives the suite.
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function startWorker(): WorkerProcess {
    const worker = new WorkerProcess(`worker-${workers.length + 1}`, workerEnv);
    workers.push(worker);
    return worker;
  }

  const stateOf = async (id: string) => (await api.sql<ImportState>(`select * from imports where id = $1`, [id]))[0];
  const certificateCount = async () => Number((await api.sql<{ n: string }>(`select count(*) as n from obtained_certificates`))[0].n);

  /** 20,000 valid rows over the demo learners and definitions, each with a number of its own: one certificate each. */
  function rows(prefix: string): Cell[][] {
    return Array.from({ length: ROWS }, (_, i) => {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0');
      return [USERS[i % USERS.length], DEFINITIONS[i % DEFINITIONS.length], `${day}-${month}-2024`, '', `${prefix}-${i}`, 'FALSE'];
    });
  }

  /** Polls the imports table until `until` holds, quickly enough to catch a short window. */
  async function waitFor(id: string, until: (state: ImportState) => boolean, timeoutMs: number): Promise<ImportState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await stateOf(id);
      if (until(state)) return state;
      if (Date.now() > deadline) throw new Error(`import ${id} did not get there within ${timeoutMs} ms: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Everything the import promised: one outcome per row, one certificate per success, counts that add up. */
  async function expectExactlyOnce(id: string, certificatesBefore: number) {
    const state = await stateOf(id);
    expect(state).toMatchObject({ status: 'completed', total_rows: ROWS, processed_rows: ROWS, succeeded_rows: ROWS, failed_rows: 0, skipped_rows: 0 });
    expect(state.chunks_done).toBe(state.chunk_count);
    expect(state.chunk_count).toBe(ROWS / CHUNK_SIZE);

    const [outcomes] = await api.sql<{ total: string; distinct_rows: string; succeeded: string; failed: string; skipped: string }>(
      `select count(*) as total, count(distinct row_number) as distinct_rows,
              count(*) filter (where status = 'succeeded') as succeeded, count(*) filter (where status = 'failed') as failed,
              count(*) filter (where status = 'skipped') as skipped
         from import_row_results where import_id = $1`,
      [id],
    );
    expect(outcomes).toEqual({ total: String(ROWS), distinct_rows: String(ROWS), succeeded: String(ROWS), failed: '0', skipped: '0' });
    expect([Number(outcomes.succeeded), Number(outcomes.failed), Number(outcomes.skipped)]).toEqual([state.succeeded_rows, state.failed_rows, state.skipped_rows]);
    const [{ chunks }] = await api.sql<{ chunks: string }>(`select count(*) as chunks from import_chunks where import_id = $1`, [id]);
    expect(Number(chunks)).toBe(ROWS / CHUNK_SIZE);

    // One certificate per succeeded row, and none without an outcome pointing at it.
    expect((await certificateCount()) - certificatesBefore).toBe(state.succeeded_rows);
    const [linked] = await api.sql<{ n: string; distinct_entities: string }>(
      `select count(*) as n, count(distinct r.entity_id) as distinct_entities
         from import_row_results r join obtained_certificates c on c.id = r.entity_id where r.import_id = $1`,
      [id],
    );
    expect(linked).toEqual({ n: String(ROWS), distinct_entities: String(ROWS) });
    const duplicates = await api.sql(
      `select user_id, definition_id, obtained_on, number, count(*) from obtained_certificates
        group by user_id, definition_id, obtained_on, number having count(*) > 1`,
    );
    expect(duplicates).toEqual([]);
    // The registration event left exactly once per certificate (what the reporting read model counts);
    // a chunk's events of one type may travel as one batched outbox message.
    const [events] = await api.sql<{ n: string; distinct_certificates: string }>(
      `with events as (
         select coalesce(batched.value, m.payload) as payload from outbox_messages m
           left join lateral jsonb_array_elements(m.payload->$3) as batched on true
          where m.event_type = $1)
       select count(*) as n, count(distinct payload->>'certificateId') as distinct_certificates from events
        where payload->>'certificateId' in (select entity_id::text from import_row_results where import_id = $2)`,
      [ObtainedCertificateRegistered.type, id, BATCH_KEY],
    );
    expect(events).toEqual({ n: String(ROWS), distinct_certificates: String(ROWS) });
  }

  function showWorkerOutputOnFailure() {
    onTestFailed(() => {
      for (const worker of workers) process.stdout.write(`\n--- ${worker.name} (last ${worker.output.length} lines) ---\n${worker.output.join('\n')}\n`);
    });
  }

  it('SIGKILL while chunks are being processed', async () => {
    showWorkerOutputOnFailure();
    const first = startWorker();
    await first.ready();
    const before = await certificateCount();
    const started = Date.now();
    const id = await startImport(admin, 'obtained-certificates', 'crash-processing.csv', csv(CERTIFICATE_HEADER, rows('CRASH-P')));

    const atKill = await waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1, 60_000);
    expect(atKill.processed_rows).toBeLessThanOrEqual(ROWS * 0.7);
    const [{ open }] = await api.sql<{ open: string }>(
      `select count(*) as open from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`,
    );
    await first.kill('SIGKILL');
    const afterKill = await stateOf(id);
    expect(afterKill.status).toBe('processing');

    const second = startWorker();
    await second.ready();
    await waitFor(id, (s) => !['queued', 'validating', 'processing'].includes(s.status), 60_000);
    process.stdout.write(
      `killed at ${atKill.processed_rows}/${ROWS} rows (${afterKill.processed_rows} committed, ${open} transaction(s) open); ` +
        `completed ${Date.now() - started} ms after the upload\n`,
    );
    await expectExactlyOnce(id, before);
    await second.kill('SIGTERM');
  });

  it('SIGKILL while the file is being parsed', async () => {
    showWorkerOutputOnFailure();
    const first = startWorker();
    await first.ready();
    const before = await certificateCount();
    const id = await startImport(admin, 'obtained-certificates', 'crash-parsing.csv', csv(CERTIFICATE_HEADER, rows('CRASH-V')));

    // Killed once the parse has queued its first (held-back) chunk job: the new parse must not duplicate it.
    const redis = new Redis(api.config.redisUrl!);
    let queued: number;
    try {
      const deadline = Date.now() + 30_000;
      while (!(await redis.exists(`${queuePrefix}:imports:${id}:0`))) {
        if (Date.now() > deadline) throw new Error('the parse queued no chunk job within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await first.kill('SIGKILL');
      queued = (await redis.keys(`${queuePrefix}:imports:${id}:*`)).filter((key) => /:\d+$/.test(key)).length;
    } finally {
      redis.disconnect();
    }
    const atKill = await stateOf(id);
    expect(atKill).toMatchObject({ status: 'validating', chunk_count: null, processed_rows: 0 });
    process.stdout.write(`killed while parsing, with ${queued} chunk job(s) already queued\n`);

    const second = startWorker();
    await second.ready();
    await waitFor(id, (s) => !['queued', 'validating', 'processing'].includes(s.status), 60_000);
    await expectExactlyOnce(id, before);
    await second.kill('SIGTERM');
  });
});
