import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedAfterSeed } from '../support/migration-test.js';
import type { TestDatabase } from '../support/test-database.js';

const A = '00000000-0000-4000-8000-00000000000a';
const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';

/**
 * Migration20261130000500_scoped_reads on a database that already has report rows without users: the
 * cells the source tables explain are split per user, the others keep their counts unattributed, and no
 * total changes. Imports get a version that grows with every real change.
 */
describe('migration: reports keep their users, imports get a version', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    ({ database, client } = await migratedAfterSeed('Migration20261122000200_imports', async (sql) => {
      // Rows as the earlier version left them (foreign keys aside: only these tables matter here).
      await sql.query(`set session_replication_role = replica`);
      const certificate = (id: number, user: string, obtained: string) =>
        sql.query(`insert into obtained_certificates (id, user_id, definition_id, obtained_on, source, created_at) values ($1, $2, $3, $4, 'manual', now())`, [
          `00000000-0000-4000-8000-0000000001${String(id).padStart(2, '0')}`,
          user,
          A,
          obtained,
        ]);
      await certificate(1, U1, '2025-05-03');
      await certificate(2, U1, '2025-05-09');
      await certificate(3, U2, '2025-05-04');
      await certificate(4, U2, '2025-06-04'); // June counted 2: one was deleted since
      await sql.query(`insert into reporting_certificates_per_month (definition_id, definition_code, month, certificates) values ($1, 'A', '2025-05-01', 3), ($1, 'A', '2025-06-01', 2)`, [A]);
      const run = (id: number, user: string, status: string, finished: string, succeeded: number) =>
        sql.query(
          `insert into imports (id, type, status, validate_only, file_name, file_kind, file_key, file_size, started_by, started_by_name, started_by_language, created_at, finished_at, succeeded_rows)
           values ($1, 't', $2, false, 'f.csv', 'csv', 'k', 1, $3, 'X', 'en', now(), $4, $5)`,
          [`00000000-0000-4000-8000-0000000002${String(id).padStart(2, '0')}`, status, user, finished, succeeded],
        );
      await run(1, U1, 'completed', '2025-05-03T10:00:00Z', 5);
      await run(2, U2, 'failed', '2025-05-03T11:00:00Z', 0);
      await run(3, U2, 'completed', '2025-05-04T11:00:00Z', 1); // the 4th counted 2 imports: its event is still pending
      await sql.query(
        `insert into reporting_imports_per_day (day, import_type, validate_only, imports, imports_failed, rows_succeeded) values ('2025-05-03', 't', false, 2, 1, 5), ('2025-05-04', 't', false, 2, 0, 2)`,
      );
      await sql.query(`set session_replication_role = origin`);
    }));
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('splits explained certificate cells per user and keeps the rest unattributed', async () => {
    const { rows } = await client.query(`select to_char(month, 'YYYY-MM') as month, user_id, certificates from reporting_certificates_per_month order by 1, 2 nulls last`);
    expect(rows).toEqual([
      { month: '2025-05', user_id: U1, certificates: 2 },
      { month: '2025-05', user_id: U2, certificates: 1 },
      { month: '2025-06', user_id: null, certificates: 2 },
    ]);
  });

  it('splits explained import cells per starter and keeps the rest unattributed', async () => {
    const { rows } = await client.query(
      `select to_char(day, 'YYYY-MM-DD') as day, started_by, imports, imports_failed, rows_succeeded::int from reporting_imports_per_day order by 1, 2 nulls last`,
    );
    expect(rows).toEqual([
      { day: '2025-05-03', started_by: U1, imports: 1, imports_failed: 0, rows_succeeded: 5 },
      { day: '2025-05-03', started_by: U2, imports: 1, imports_failed: 1, rows_succeeded: 0 },
      { day: '2025-05-04', started_by: null, imports: 2, imports_failed: 0, rows_succeeded: 2 },
    ]);
  });

  it('gives imports a version that grows with each change and stays put on an update that changes nothing', async () => {
    const id = '00000000-0000-4000-8000-000000000201';
    const version = async () => Number((await client.query(`select version from imports where id = $1`, [id])).rows[0].version);
    expect(await version()).toBe(1);
    await client.query(`update imports set processed_rows = processed_rows + 1 where id = $1`, [id]);
    expect(await version()).toBe(2);
    await client.query(`update imports set processed_rows = processed_rows where id = $1`, [id]);
    expect(await version()).toBe(2);
  });
});
