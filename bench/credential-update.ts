/**
 * The credential-update part of `npm run bench:imports`: N credential updates (default 50,000; --credentials N),
 * 10% of them renewals that debit a credit, through validation and confirm, with the rows/s figure next to a
 * floor measured in the same run (psql \copy of the same rows + one UPDATE ... FROM of a copy of the table).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { report, seconds } from './support.js';

export interface StagedRun {
  id: string;
  totalMs: number;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  times: { parsed: number; staged: number; confirmed?: number; finished: number; mappingSent?: number; awaitingConfirmation?: number; confirmSent?: number };
}

export type RunStagedImport = (path: string, mappingOptions: Record<string, unknown>) => Promise<StagedRun>;

/** Expired (renewed by the file) every tenth credential; the others are valid and only get a new grade. */
const RENEWAL_EVERY = 10;

export async function benchCredentialUpdates(input: { sql: pg.Pool; databaseUrl: string; work: string; count: number; run: RunStagedImport }): Promise<void> {
  const { sql, databaseUrl, work, count, run } = input;
  const designId = randomUUID();
  const groupId = randomUUID();
  await sql.query(`insert into credential_designs (id, name) values ($1, 'Bench design')`, [designId]);
  await sql.query(`insert into credential_groups (id, name, design_id, custom_attributes) values ($1, $2, $3, '[{"key":"hours","label":"Hours","kind":"number"}]')`, [
    groupId,
    `Bench credentials ${groupId.slice(0, 8)}`,
    designId,
  ]);
  await sql.query(
    `insert into credentials (id, group_id, recipient_name, recipient_email, recipient_id, issued_on, expires_on, grade, attributes)
     select gen_random_uuid(), $1, 'Recipient ' || n, 'recipient' || n || '@example.com', 'BR-' || n, date '2020-01-01',
            case when n % ${RENEWAL_EVERY} = 0 then date '2021-01-01' else date '2030-01-01' end, 'B', jsonb_build_object('hours', 8)
       from generate_series(1, $2::int) as n`,
    [groupId, count],
  );
  await sql.query(`analyze credentials`);
  const renewals = Math.floor(count / RENEWAL_EVERY);
  await sql.query(`update credit_balance set balance = balance + $1 where organisation = 'default'`, [renewals]);
  const { rows: credentials } = await sql.query<{ id: string; recipient_id: string }>(`select id, recipient_id from credentials where group_id = $1 order by recipient_id`, [groupId]);

  // Half the rows by credential id, half by recipient id: both lookups are measured.
  const lines = ['Credential ID,Recipient ID,Expiry Date,Grade,Hours'];
  credentials.forEach((credential, i) => {
    const n = Number(credential.recipient_id.slice(3));
    const expiry = n % RENEWAL_EVERY === 0 ? '2031-12-31' : '';
    lines.push(i % 2 === 0 ? `${credential.id},,${expiry},A,12` : `,${credential.recipient_id},${expiry},A,12`);
  });
  const path = join(work, 'credential-updates.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  const floorMs = updateFloor(databaseUrl, work, credentials.map((c) => c.id));

  const staged = await run(path, { group: groupId, dateFormat: 'yyyy-mm-dd' });
  const s = staged.times;
  const waitingMs = s.mappingSent! - s.parsed + (s.confirmSent! - s.awaitingConfirmation!);
  const activeMs = staged.totalMs - waitingMs;
  const rate = count / (activeMs / 1000);
  const [{ debits }] = (await sql.query<{ debits: string }>(`select count(*) as debits from credit_ledger where import_id = $1 and kind = 'debit'`, [staged.id])).rows;
  report({
    name: `credential-update ${count} rows (${renewals} renewals), validate then confirm`,
    figure: `${seconds(activeMs)} without the admin's waiting = ${Math.round(rate)} rows/s (${staged.total} rows: ${staged.succeeded} succeeded, ${staged.failed} failed, ${staged.skipped} skipped; ${debits} credits debited)`,
    baseline: `psql \\copy + UPDATE ... FROM of the same rows ${seconds(floorMs)} -> ${(activeMs / floorMs).toFixed(1)}x`,
    verdict: `target >= 10000 rows/s ${rate >= 10_000 ? 'MET' : 'MISSED'}; every renewal debited once ${Number(debits) === renewals ? 'MET' : 'MISSED'}`,
  });
  report({
    name: '  stages (credential-update)',
    figure:
      `staging ${seconds(s.staged - s.mappingSent!)}, validation pass ${seconds(s.awaitingConfirmation! - s.staged)} (${Math.round(count / ((s.awaitingConfirmation! - s.staged) / 1000))} rows/s), ` +
      `confirm wait ${seconds(s.confirmed! - s.confirmSent!)}, run ${seconds(s.finished - s.confirmed!)} (${Math.round(count / ((s.finished - s.confirmed!) / 1000))} rows/s); left out (admin): ${seconds(waitingMs)}`,
  });
  rmSync(path, { force: true });
}

/** The floor: the rows' new values \copy-ed into a staging table, then one UPDATE ... FROM on a copy of the credentials. */
function updateFloor(databaseUrl: string, work: string, ids: string[]): number {
  const csvPath = join(work, 'credential-floor.csv');
  writeFileSync(csvPath, ids.map((id, i) => `${id},${i % RENEWAL_EVERY === 0 ? '2031-12-31' : ''},A`).join('\n') + '\n');
  const script = `
    create table bench_credentials as select * from credentials;
    create unique index on bench_credentials (id);
    \\timing on
    create temp table staging (id uuid, expires_on text, grade text);
    \\copy staging from '${csvPath}' with (format csv)
    update bench_credentials c set expires_on = coalesce(nullif(s.expires_on, '')::date, c.expires_on), grade = s.grade, version = c.version + 1, updated_at = now()
      from staging s where c.id = s.id;
  `;
  const started = performance.now();
  const result = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`credential floor failed: ${result.stderr}`);
  const timings = [...result.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]));
  rmSync(csvPath, { force: true });
  spawnSync('psql', [databaseUrl, '-q', '-c', 'drop table bench_credentials'], { encoding: 'utf8' });
  return timings.length >= 3 ? timings.slice(-3).reduce((a, b) => a + b, 0) : performance.now() - started;
}
