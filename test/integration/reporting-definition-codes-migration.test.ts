import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedAfterSeed } from '../support/migration-test.js';
import type { TestDatabase } from '../support/test-database.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const U1 = '00000000-0000-4000-8000-000000000001';

/**
 * Migration20261130003300_reporting_definition_codes on a read model that already has rows: a definition
 * whose rows all carry one code is known by it; one whose rows disagree is not known, so that its next
 * registration corrects all its rows.
 */
describe('migration: the codes the certificates-per-month rows carry', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    ({ database, client } = await migratedAfterSeed('Migration20261130003100_email_verified', async (sql) => {
      await sql.query(
        `insert into reporting_certificates_per_month (definition_id, definition_code, month, user_id, certificates)
         values ($1, 'A', '2025-05-01', $3, 3), ($1, 'A', '2025-06-01', null, 2), ($2, 'B', '2025-05-01', $3, 1), ($2, 'B-OLD', '2025-06-01', $3, 1)`,
        [A, B, U1],
      );
    }));
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('knows the code of each definition whose rows agree on one, and no code of the others', async () => {
    const { rows } = await client.query(`select definition_id, definition_code from reporting_definition_codes order by definition_id`);
    expect(rows).toEqual([{ definition_id: A, definition_code: 'A' }]);
  });
});
