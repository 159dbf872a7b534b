import type { EntityManager } from '@mikro-orm/postgresql';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../src/database/orm-options.js';
import { LicenceStore } from '../../src/modules/licences/infrastructure/licence-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const TYPE = '00000000-0000-4000-8000-0000000000a1';
const USER = '00000000-0000-4000-8000-000000000001';
const OTHER_USER = '00000000-0000-4000-8000-000000000002';
const L1 = '00000000-0000-4000-8000-100000000001';
const L2 = '00000000-0000-4000-8000-100000000002';
const L3 = '00000000-0000-4000-8000-100000000003';

/**
 * LicenceStore's statements over a chunk: the lookup finds licences by identity (number without case, as
 * the unique index), gives every key its number key, and locks what it found; updates and deletes of many
 * licences run with index-only plans and put the planner settings back afterwards.
 */
describe('licence store: lookups and writes of a chunk', () => {
  let database: TestDatabase;
  let client: pg.Client;
  let other: pg.Client;
  /** What the planner allowed while each statement ran (seqscan, hashjoin). */
  const seen: { sql: string; seqscan: string; hashjoin: string }[] = [];
  /** The part of an EntityManager that executeBound uses, over one connection (its transaction). */
  const em = {
    getKysely: () => ({
      executeQuery: async (query: { sql: string; parameters: readonly unknown[] }) => {
        const [settings] = (await client.query(`select current_setting('enable_seqscan') as seqscan, current_setting('enable_hashjoin') as hashjoin`)).rows;
        seen.push({ sql: query.sql.trim().split(/\s+/).slice(0, 3).join(' '), ...settings });
        return { rows: (await client.query(query.sql, [...query.parameters])).rows };
      },
    }),
    getDriver: () => ({ convertException: (error: Error) => error }),
  } as unknown as EntityManager;

  beforeAll(async () => {
    database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url, { pool: { min: 0, max: 2 } }));
    try {
      await orm.migrator.up();
    } finally {
      await orm.close();
    }
    client = new pg.Client({ connectionString: database.url });
    other = new pg.Client({ connectionString: database.url });
    await client.connect();
    await other.connect();
    await client.query(`insert into licence_types (id, code, name) values ($1, 'T', 'T')`, [TYPE]);
    await client.query(
      `insert into user_licences (id, user_id, type_id, number, issued_on) values ($1, $4, $5, 'AB-1', '2026-01-01'), ($2, $4, $5, 'Σίσυφος', '2026-01-01'), ($3, $4, $5, null, '2026-01-01')`,
      [L1, L2, L3, USER, TYPE],
    );
  });
  afterAll(async () => {
    await client?.end();
    await other?.end();
    await database?.drop();
  });

  it('finds licences by identity without case, gives each key its number key, and locks the licences found', async () => {
    await client.query('begin');
    try {
      const found = await LicenceStore.byIdentities(em, [
        { userId: USER, typeId: TYPE, number: 'ab-1' },
        { userId: OTHER_USER, typeId: TYPE, number: 'AB-1' },
        { userId: USER, typeId: TYPE, number: 'σίσυφος' },
        { userId: USER, typeId: TYPE, number: null },
        { userId: USER, typeId: TYPE, number: 'AB-2' },
      ]);
      expect(found.numberKeys).toEqual(['ab-1', 'ab-1', 'σίσυφος', '', 'ab-2']);
      expect(found.licences.map((l) => [l.asked, l.id, l.number, l.typeCode]).sort()).toEqual([
        [0, L1, 'AB-1', 'T'],
        [2, L2, 'Σίσυφος', 'T'],
        [3, L3, null, 'T'],
      ]);
      for (const id of [L1, L2, L3]) {
        await expect(other.query(`select 1 from user_licences where id = $1 for update nowait`, [id])).rejects.toMatchObject({ code: '55P03' });
      }
    } finally {
      await client.query('rollback');
    }
  });

  it('updates and deletes many licences through the primary key, then puts the planner settings back', async () => {
    await client.query('begin');
    try {
      seen.length = 0;
      const versions = await LicenceStore.update(em, [
        { id: L1, userId: USER, typeId: TYPE, number: 'AB-1', jurisdiction: 'NY', issuedOn: '2026-01-01', expiresOn: '2027-01-01' },
        { id: L2, userId: USER, typeId: TYPE, number: 'Σίσυφος', jurisdiction: 'TX', issuedOn: '2026-01-02', expiresOn: null },
      ]);
      expect([...versions.keys()].sort()).toEqual([L1, L2]);
      const removed = await LicenceStore.remove(em, [L2, L3]);
      expect([...removed.keys()].sort()).toEqual([L2, L3]);
      const writes = seen.filter((s) => s.sql.startsWith('update user_licences') || s.sql.startsWith('delete from user_licences'));
      expect(writes.map((s) => [s.seqscan, s.hashjoin])).toEqual([
        ['off', 'off'],
        ['off', 'off'],
      ]);
      const [after] = (await client.query(`select current_setting('enable_seqscan') as seqscan, current_setting('enable_hashjoin') as hashjoin, current_setting('enable_mergejoin') as mergejoin`)).rows;
      expect(after).toEqual({ seqscan: 'on', hashjoin: 'on', mergejoin: 'on' });
      expect((await client.query(`select id, jurisdiction, to_char(expires_on, 'YYYY-MM-DD') as expires from user_licences order by id`)).rows).toEqual([
        { id: L1, jurisdiction: 'NY', expires: '2027-01-01' },
      ]);
    } finally {
      await client.query('rollback');
    }
  });
});
