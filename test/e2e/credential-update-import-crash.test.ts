import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CrashRig } from '../support/import-crash.js';
import { csv } from '../support/files.js';
import { reached, startImport } from '../support/imports.js';

/** Enough small chunks that a kill lands mid-run, with chunks committed before and after it. */
const ROWS = 1500;
const CHUNK_SIZE = 50;
const BALANCE = 5000;

/**
 * Renewals are paid exactly once even when the chunks that pay them are retried: a worker is SIGKILLed
 * while the confirmed run debits credits, a new worker takes the killed chunk over (its transaction, debits
 * included, rolled back; the ledger key `import:<id>:row:<n>` refuses a second charge for a row whatever
 * runs it again). Every credential here is expired and renewed, so every row debits one credit.
 */
describe('credential-update: renewals debit exactly once when a worker dies mid-run', { timeout: 240_000 }, () => {
  const rig = new CrashRig(ROWS, CHUNK_SIZE, { IMPORT_JOB_LOCK_MS: '2000', IMPORT_REAPER_INTERVAL_MS: '500', IMPORT_STALL_AFTER_SECONDS: '2' });

  beforeAll(() => rig.start());
  afterEach(() => rig.stopWorkers());
  afterAll(() => rig.stop());

  it('SIGKILL during the run: every row renewed once, one debit per row, the balance down by exactly the rows', async () => {
    rig.showWorkerOutputOnFailure();
    const sql = rig.api.sql;
    const designId = randomUUID();
    const groupId = randomUUID();
    await sql(`insert into credential_designs (id, name) values ($1, 'Crash design')`, [designId]);
    await sql(`insert into credential_groups (id, name, design_id) values ($1, 'Crash renewals', $2)`, [groupId, designId]);
    await sql(
      `insert into credentials (id, group_id, recipient_name, recipient_email, recipient_id, issued_on, expires_on)
       select gen_random_uuid(), $1, 'Learner ' || n, 'learner' || n || '@example.com', 'CR-' || n, '2020-01-01', '2021-01-01'
         from generate_series(1, $2::int) as n`,
      [groupId, ROWS],
    );
    await sql(`update credit_balance set balance = $1 where organisation = 'default'`, [BALANCE]);
    const file = csv(
      ['Recipient ID', 'Expiry Date'],
      Array.from({ length: ROWS }, (_, i) => [`CR-${i + 1}`, '2031-06-30']),
    );

    const first = await rig.startWorker();
    const id = await startImport(rig.admin, 'credential-update', 'renewals.csv', file, { autoConfirm: 'false' });
    await reached(rig.admin, id, 'awaiting_mapping');
    const mapped = await rig.admin.put(`/api/imports/${id}/mapping`, { mapping: { 'Recipient ID': 'recipientId', 'Expiry Date': 'expiresOn' }, options: { group: groupId, dateFormat: 'yyyy-mm-dd' } });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    await reached(rig.admin, id, 'awaiting_confirmation', 120_000);
    const confirmed = await rig.admin.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: [] });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(202);

    await rig.waitFor(id, (s) => s.status === 'processing' && s.processed_rows >= ROWS * 0.1);
    await first.kill('SIGKILL');
    const afterKill = await rig.stateOf(id);
    expect(afterKill.status).toBe('processing');
    expect(afterKill.processed_rows).toBeLessThan(ROWS);
    await rig.startWorker();
    const end = await rig.waitForEnd(id);
    process.stdout.write(`credential-update run: killed with ${afterKill.processed_rows}/${ROWS} rows committed\n`);

    expect(end).toMatchObject({ status: 'completed', processed_rows: ROWS, succeeded_rows: ROWS, failed_rows: 0, skipped_rows: 0 });
    const [ledger] = await sql<{ n: string; keys: string; credentials: string; total: string }>(
      `select count(*) as n, count(distinct idempotency_key) as keys, count(distinct credential_id) as credentials, sum(amount) as total
         from credit_ledger where import_id = $1 and kind = 'debit'`,
      [id],
    );
    expect(ledger).toEqual({ n: String(ROWS), keys: String(ROWS), credentials: String(ROWS), total: String(-ROWS) });
    const [{ balance }] = await sql<{ balance: number }>(`select balance from credit_balance where organisation = 'default'`);
    expect(Number(balance)).toBe(BALANCE - ROWS);
    const [credentials] = await sql<{ renewed: string; versions: string }>(
      `select count(*) filter (where expires_on = '2031-06-30') as renewed, string_agg(distinct version::text, ',') as versions from credentials where group_id = $1`,
      [groupId],
    );
    expect(credentials).toEqual({ renewed: String(ROWS), versions: '2' });
    const [renewed] = await sql<{ n: string; distinct_credentials: string }>(
      `with events as (
         select coalesce(batched.value, m.payload) as payload from outbox_messages m
           left join lateral json_array_elements(m.payload->'$batch') as batched on true
          where m.event_type = 'credentials.credential-renewed.v1')
       select count(*) as n, count(distinct payload->>'credentialId') as distinct_credentials from events where payload->>'importId' = $1`,
      [id],
    );
    expect(renewed).toEqual({ n: String(ROWS), distinct_credentials: String(ROWS) });
  });
});
