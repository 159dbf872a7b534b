import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFailed, onTestFinished } from 'vitest';
import { ObtainedCertificateRegistered, ObtainedCertificateRemoved } from '#libs/contracts/certificates/index.js';
import { ImportCompleted } from '#libs/contracts/imports/index.js';
import { BATCH_KEY } from '#libs/outbox/outbox.js';
import { csv, type Cell } from './files.js';
import { Http } from './http.js';
import { CERTIFICATE_HEADER, reached, startImport, type ImportBody } from './imports.js';
import { deleteQueueKeys, startTestApp, type TestApp } from './test-app.js';
import { buildIfStale, WorkerProcess, workerEnvFor } from './worker-process.js';

const USERS = ['L-1001', 'L-1002', 'L-1003', 'L-1004', 'L-1005', 'L-1006'];
const DEFINITIONS = ['VCA-BASIS', 'FORKLIFT', 'BHV', 'EHBO', 'NT2-B1'];

export interface ImportState {
  status: string;
  total_rows: number;
  validated_rows: number;
  valid_rows: number;
  processed_rows: number;
  succeeded_rows: number;
  failed_rows: number;
  skipped_rows: number;
  chunk_count: number | null;
  chunks_done: number;
  staged_at: Date | null;
  parse_running: boolean;
  failure: { code: string; params?: Record<string, unknown> } | null;
}

export const RUNNING = ['queued', 'validating', 'processing'];

/**
 * The API in the test process (ROLE=api) and workers as real OS processes (the compiled app, ROLE=worker)
 * sharing its database, Redis queue prefix and storage: workers can be SIGKILLed and replaced, and the
 * prefix's keys deleted (what a Redis flush looks like to this installation) without touching other tests.
 */
export class CrashRig {
  api!: TestApp;
  admin!: Http;
  readonly queuePrefix = `cit_crash_${randomBytes(4).toString('hex')}`;
  readonly workers: WorkerProcess[] = [];
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'cit-crash-'));
  private workerEnv!: Record<string, string>;

  constructor(
    readonly rows: number,
    readonly chunkSize: number,
    private readonly env: Record<string, string> = {},
  ) {}

  get chunks() {
    return Math.ceil(this.rows / this.chunkSize);
  }

  async start(): Promise<void> {
    buildIfStale();
    const env = { QUEUE_PREFIX: this.queuePrefix, DATA_DIR: this.dataDir, IMPORT_CHUNK_SIZE: String(this.chunkSize), ...this.env };
    this.api = await startTestApp({ env: { ...env, ROLE: 'api' } });
    this.admin = await new Http(this.api.url).login('admin@example.com');
    this.workerEnv = workerEnvFor(this.api, env);
  }

  async stop(): Promise<void> {
    // Always, even after a failed test: no worker outlives the suite.
    await Promise.all(this.workers.map((worker) => worker.kill('SIGKILL')));
    await this.api?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async startWorker(extra: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = new WorkerProcess(`worker-${this.workers.length + 1}`, { ...this.workerEnv, ...extra });
    this.workers.push(worker);
    await worker.ready();
    return worker;
  }

  /** Ends every worker still running (gracefully), so the next test starts with none. */
  async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.kill('SIGTERM')));
  }

  /** The workers' output after a failed test (or after every test with CRASH_TEST_OUTPUT=1). */
  showWorkerOutputOnFailure() {
    const show = () => {
      for (const worker of this.workers) process.stdout.write(`\n--- ${worker.name} (last ${worker.output.length} lines) ---\n${worker.output.join('\n')}\n`);
    };
    onTestFailed(show);
    if (process.env.CRASH_TEST_OUTPUT === '1') onTestFinished(show);
  }

  /** Deletes every Redis key of this installation's queue prefix: all its jobs, locks and counters are gone. */
  async flushQueue(): Promise<number> {
    const before = await this.queueKeys();
    await deleteQueueKeys(this.api.config.redisUrl!, this.queuePrefix);
    return before;
  }

  /**
   * What a flush can leave behind (see libs/redis/revive-job.ts): the hash of each chunk job of a pass
   * that has not committed, holding only `processedOn`, in no list. Bull's add ignores an id it has, so
   * unless the reaper replaces them these chunks never run again. Returns the chunks given a remnant.
   */
  async plantRemnants(id: string, pass: 'validate' | 'run'): Promise<number[]> {
    const pending = await this.api.sql<{ chunk: number }>(
      `select p.chunk from import_chunk_plan p
        where p.import_id = $1 and not exists (select 1 from import_chunks c where c.import_id = p.import_id and c.pass = $2 and c.chunk = p.chunk)`,
      [id, pass],
    );
    const { Redis } = await import('ioredis');
    const redis = new Redis(this.api.config.redisUrl!);
    try {
      for (const { chunk } of pending) await redis.hset(`${this.queuePrefix}:imports:${id}:${pass}:${chunk}`, 'processedOn', String(Date.now()));
    } finally {
      redis.disconnect();
    }
    return pending.map(({ chunk }) => chunk);
  }

  private async queueKeys(): Promise<number> {
    const { Redis } = await import('ioredis');
    const redis = new Redis(this.api.config.redisUrl!);
    try {
      let cursor = '0';
      let count = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.queuePrefix}:*`, 'COUNT', 500);
        count += keys.length;
        cursor = next;
      } while (cursor !== '0');
      return count;
    } finally {
      redis.disconnect();
    }
  }

  stateOf = async (id: string) => (await this.api.sql<ImportState>(`select * from imports where id = $1`, [id]))[0];
  certificateCount = async () => Number((await this.api.sql<{ n: string }>(`select count(*) as n from obtained_certificates`))[0].n);

  /**
   * Valid rows over the demo learners and definitions, each with a number of its own: one certificate each.
   * `withoutUser`: every row lacks its mandatory user code, so it fails while it is read (cheap to validate).
   */
  file(prefix: string, withoutUser = false): Buffer {
    const rows: Cell[][] = Array.from({ length: this.rows }, (_, i) => {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0');
      return [withoutUser ? '' : USERS[i % USERS.length], DEFINITIONS[i % DEFINITIONS.length], `${day}-${month}-2024`, '', `${prefix}-${i}`, 'FALSE'];
    });
    return csv(CERTIFICATE_HEADER, rows);
  }

  /** Straight through: auto-confirmed, obtained certificates have nothing to confirm, so no validation pass. */
  upload(prefix: string): Promise<string> {
    return startImport(this.admin, 'obtained-certificates', `${prefix}.csv`, this.file(prefix));
  }

  /**
   * The admin's way: upload without auto-confirm, wait for the preview, send the suggested mapping
   * (validation starts). Returns once the mapping is accepted.
   */
  async uploadAndMap(prefix: string, content = this.file(prefix)): Promise<string> {
    const id = await startImport(this.admin, 'obtained-certificates', `${prefix}.csv`, content, { autoConfirm: 'false' });
    const waiting = await reached(this.admin, id, 'awaiting_mapping');
    const suggestions = (waiting.preview as { suggestions: { header: string; key: string | null }[] }).suggestions;
    const mapping = Object.fromEntries(suggestions.map((suggestion) => [suggestion.header, suggestion.key]));
    const response = await this.admin.put(`/api/imports/${id}/mapping`, { mapping });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    return id;
  }

  /** Validation ended with nothing to acknowledge: the admin confirms and the run starts. */
  async confirm(id: string): Promise<ImportBody> {
    const waiting = await reached(this.admin, id, 'awaiting_confirmation', 120_000);
    const response = await this.admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: [] });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    return waiting;
  }

  /** True while a COPY into import_staged_rows is open (its rows are not committed yet). */
  async copying(): Promise<boolean> {
    const [{ n }] = await this.api.sql<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and query ilike 'copy import_staged_rows%' and state <> 'idle'`,
    );
    return Number(n) > 0;
  }

  /** Waits until the import's staging COPY is open. */
  async waitForCopy(id: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.copying())) {
      const state = await this.stateOf(id);
      if (state.staged_at !== null) throw new Error('staging ended before its COPY was seen: make the file bigger');
      if (Date.now() > deadline) throw new Error(`no COPY seen within ${timeoutMs} ms: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Polls the imports table until `until` holds, quickly enough to catch a short window. */
  async waitFor(id: string, until: (state: ImportState) => boolean, timeoutMs = 120_000): Promise<ImportState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.stateOf(id);
      if (until(state)) return state;
      if (Date.now() > deadline) throw new Error(`import ${id} did not get there within ${timeoutMs} ms: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  waitForEnd(id: string, timeoutMs = 120_000): Promise<ImportState> {
    return this.waitFor(id, (state) => !RUNNING.includes(state.status) && !state.status.startsWith('awaiting'), timeoutMs);
  }

  /**
   * Everything the import promised: one outcome per row, one certificate per success, counts that add
   * up, every chunk of each pass committed once, and ImportCompleted in the outbox once.
   */
  async expectExactlyOnce(id: string, certificatesBefore: number, passes: ('validate' | 'run')[]): Promise<void> {
    const rows = this.rows;
    const state = await this.stateOf(id);
    expect(state).toMatchObject({ status: 'completed', total_rows: rows, processed_rows: rows, succeeded_rows: rows, failed_rows: 0, skipped_rows: 0 });
    if (passes.includes('validate')) expect(state.validated_rows).toBe(rows);
    expect(state.chunks_done).toBe(state.chunk_count);
    expect(state.chunk_count).toBe(this.chunks);

    const [outcomes] = await this.api.sql<{ total: string; distinct_rows: string; succeeded: string; failed: string; skipped: string }>(
      `select count(*) as total, count(distinct row_number) as distinct_rows,
              count(*) filter (where status = 'succeeded') as succeeded, count(*) filter (where status = 'failed') as failed,
              count(*) filter (where status = 'skipped') as skipped
         from import_row_results where import_id = $1`,
      [id],
    );
    expect(outcomes).toEqual({ total: String(rows), distinct_rows: String(rows), succeeded: String(rows), failed: '0', skipped: '0' });
    const chunks = await this.api.sql<{ pass: string; n: string; rows: string }>(
      `select pass, count(*) as n, sum(rows) as rows from import_chunks where import_id = $1 group by pass order by pass`,
      [id],
    );
    expect(chunks).toEqual(passes.toSorted().map((pass) => ({ pass, n: String(this.chunks), rows: String(rows) })));
    // Staging is dropped when the import ends.
    const [{ staged }] = await this.api.sql<{ staged: string }>(`select count(*) as staged from import_staged_rows where import_id = $1`, [id]);
    expect(staged).toBe('0');

    // One certificate per succeeded row, and none without an outcome pointing at it.
    expect((await this.certificateCount()) - certificatesBefore).toBe(state.succeeded_rows);
    const [linked] = await this.api.sql<{ n: string; distinct_entities: string }>(
      `select count(*) as n, count(distinct r.entity_id) as distinct_entities
         from import_row_results r join obtained_certificates c on c.id = r.entity_id where r.import_id = $1`,
      [id],
    );
    expect(linked).toEqual({ n: String(rows), distinct_entities: String(rows) });
    const duplicates = await this.api.sql(
      `select user_id, definition_id, obtained_on, number, count(*) from obtained_certificates
        group by user_id, definition_id, obtained_on, number having count(*) > 1`,
    );
    expect(duplicates).toEqual([]);
    // The registration event left exactly once per certificate (what the reporting read model counts);
    // a chunk's events of one type may travel as one batched outbox message.
    const [events] = await this.api.sql<{ n: string; distinct_certificates: string }>(
      `with events as (
         select coalesce(batched.value, m.payload) as payload from outbox_messages m
           left join lateral json_array_elements(m.payload->$3) as batched on true
          where m.event_type = $1)
       select count(*) as n, count(distinct payload->>'certificateId') as distinct_certificates from events
        where payload->>'certificateId' in (select entity_id::text from import_row_results where import_id = $2)`,
      [ObtainedCertificateRegistered.type, id, BATCH_KEY],
    );
    expect(events).toEqual({ n: String(rows), distinct_certificates: String(rows) });
    expect(await this.completedEvents(id)).toBe(1);
    process.stdout.write(`  ${id}: ${await this.timeline(id)}\n`);
  }

  /** The admin asks to undo a completed import (POST /api/imports/:id/undo); returns the undo's own import id. */
  async undo(id: string): Promise<string> {
    const response = await this.admin.post<{ id: string; status: string }>(`/api/imports/${id}/undo`);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body.id;
  }

  /**
   * Everything an undo of a straight-through import (see expectExactlyOnce) promised: one outcome per
   * recorded change, each succeeded, counts that add up, every run chunk committed once, every certificate
   * the import created gone (the count back to `certificatesBefore`, taken before the import), removed
   * once (one ObtainedCertificateRemoved each) and ImportCompleted for the undo in the outbox once.
   */
  async expectUndoneExactlyOnce(originalId: string, undoId: string, certificatesBefore: number): Promise<void> {
    const rows = this.rows;
    const state = await this.stateOf(undoId);
    expect(state).toMatchObject({ status: 'completed', total_rows: rows, processed_rows: rows, succeeded_rows: rows, failed_rows: 0, skipped_rows: 0, failure: null });
    expect(state.chunks_done).toBe(state.chunk_count);
    expect(state.chunk_count).toBe(this.chunks);
    const [kind] = await this.api.sql<{ mode: string; undo_of: string }>(`select mode, undo_of from imports where id = $1`, [undoId]);
    expect(kind).toEqual({ mode: 'undo', undo_of: originalId });

    // One outcome per row of the original, each naming the certificate that row created.
    const [outcomes] = await this.api.sql<{ total: string; distinct_rows: string; succeeded: string; matching: string; distinct_entities: string }>(
      `select count(*) as total, count(distinct u.row_number) as distinct_rows, count(*) filter (where u.status = 'succeeded') as succeeded,
              count(*) filter (where o.entity_id = u.entity_id) as matching, count(distinct u.entity_id) as distinct_entities
         from import_row_results u left join import_row_results o on o.import_id = $2 and o.row_number = u.row_number
        where u.import_id = $1`,
      [undoId, originalId],
    );
    expect(outcomes).toEqual({ total: String(rows), distinct_rows: String(rows), succeeded: String(rows), matching: String(rows), distinct_entities: String(rows) });
    const chunks = await this.api.sql<{ pass: string; n: string; distinct_chunks: string; rows: string }>(
      `select pass, count(*) as n, count(distinct chunk) as distinct_chunks, sum(rows) as rows from import_chunks where import_id = $1 group by pass`,
      [undoId],
    );
    expect(chunks).toEqual([{ pass: 'run', n: String(this.chunks), distinct_chunks: String(this.chunks), rows: String(rows) }]);
    const [{ staged }] = await this.api.sql<{ staged: string }>(`select count(*) as staged from import_staged_rows where import_id = $1`, [undoId]);
    expect(staged).toBe('0');

    // None of the import's certificates is left, and nothing else went.
    const [{ left }] = await this.api.sql<{ left: string }>(
      `select count(*) as left from obtained_certificates where id in (select entity_id from import_row_results where import_id = $1)`,
      [originalId],
    );
    expect(left).toBe('0');
    expect(await this.certificateCount()).toBe(certificatesBefore);

    // Removed once each: one ObtainedCertificateRemoved per certificate (batched messages unpacked).
    const [events] = await this.api.sql<{ n: string; distinct_certificates: string }>(
      `with events as (
         select coalesce(batched.value, m.payload) as payload from outbox_messages m
           left join lateral json_array_elements(m.payload->$3) as batched on true
          where m.event_type = $1)
       select count(*) as n, count(distinct payload->>'certificateId') as distinct_certificates from events
        where payload->>'certificateId' in (select entity_id::text from import_row_results where import_id = $2)`,
      [ObtainedCertificateRemoved.type, originalId, BATCH_KEY],
    );
    expect(events).toEqual({ n: String(rows), distinct_certificates: String(rows) });
    expect(await this.completedEvents(undoId)).toBe(1);
    // The original's own end is not announced again.
    expect(await this.completedEvents(originalId)).toBe(1);
    process.stdout.write(`  undo ${undoId}: ${await this.timeline(undoId)}\n`);
  }

  /** When the import reached each step, in ms after its upload (a measured figure for the test output). */
  async timeline(id: string): Promise<string> {
    const [row] = await this.api.sql<Record<string, string | null>>(
      `select extract(epoch from parsed_at - created_at) * 1000 as parsed, extract(epoch from staged_at - created_at) * 1000 as staged,
              extract(epoch from confirmed_at - created_at) * 1000 as confirmed, extract(epoch from finished_at - created_at) * 1000 as finished
         from imports where id = $1`,
      [id],
    );
    const passes = await this.api.sql<{ pass: string; first: string; last: string }>(
      `select c.pass, extract(epoch from min(c.done_at) - i.created_at) * 1000 as first, extract(epoch from max(c.done_at) - i.created_at) * 1000 as last
         from import_chunks c join imports i on i.id = c.import_id where c.import_id = $1 group by c.pass, i.created_at order by 2`,
      [id],
    );
    return [
      ...Object.entries(row).map(([step, ms]) => `${step} ${ms === null ? '-' : Math.round(Number(ms))} ms`),
      ...passes.map((pass) => `${pass.pass} chunks ${Math.round(Number(pass.first))}-${Math.round(Number(pass.last))} ms`),
    ].join(', ');
  }

  /** ImportCompleted messages in the outbox for this import. */
  async completedEvents(id: string): Promise<number> {
    const [{ n }] = await this.api.sql<{ n: string }>(`select count(*) as n from outbox_messages where event_type = $1 and payload->>'importId' = $2`, [
      ImportCompleted.type,
      id,
    ]);
    return Number(n);
  }
}
