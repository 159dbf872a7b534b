import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../src/database/orm-options.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const TYPE = '00000000-0000-4000-8000-0000000000a1';
const OTHER = '00000000-0000-4000-8000-0000000000a2';
const SPARE = '00000000-0000-4000-8000-0000000000a3';
const LATE = '00000000-0000-4000-8000-0000000000a4';
const UNKNOWN = '00000000-0000-4000-8000-0000000000ff';
const USER = '00000000-0000-4000-8000-000000000001';
const ENDED = '00000000-0000-4000-8000-0000000000e1';
const RUNNING = '00000000-0000-4000-8000-0000000000e2';

let next = 0;
const licenceId = () => `00000000-0000-4000-8000-1${String(++next).padStart(11, '0')}`;

/**
 * Migration20261130003500_licence_import_costs: user_licences.type_id keeps the rule of the foreign key it
 * replaces (a licence is of a type that exists; a type a licence is of cannot be deleted), checked once per
 * statement, with the key's error (23503, user_licences_type_id_fkey), also between two transactions at
 * once. The touches of imports that ended are deleted; those of a running import stay. Truncating the types
 * while licences exist is refused, as the key refused it (Migration20261130003900).
 */
describe('migration: licence types without a foreign key per row, same rule', () => {
  let database: TestDatabase;
  let a: pg.Client;
  let b: pg.Client;
  /** Watches the other two (outside their transactions: a transaction keeps one view of pg_stat_activity). */
  let watcher: pg.Client;

  const insertLicence = (client: pg.Client, type: string, id = licenceId()) =>
    client.query(`insert into user_licences (id, user_id, type_id, number, issued_on) values ($1, $2, $3, $4, '2026-01-01')`, [id, USER, type, `N-${id.slice(-6)}`]);
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e as { code?: string; constraint?: string },
    );
    expect(error, 'expected a foreign key violation').toBeDefined();
    return { code: error!.code, constraint: error!.constraint };
  };
  const FOREIGN_KEY = { code: '23503', constraint: 'user_licences_type_id_fkey' };
  /** Whether `client`'s backend waits for a lock. */
  const waiting = async (client: pg.Client) => {
    const pid = (client as unknown as { processID: number }).processID;
    const [row] = (await watcher.query(`select wait_event_type from pg_stat_activity where pid = $1`, [pid])).rows;
    return row?.wait_event_type === 'Lock';
  };
  const until = async (probe: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await probe()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('never waited');
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url, { pool: { min: 0, max: 2 } }));
    try {
      await orm.migrator.up({ to: 'Migration20261130003200_import_rows_without_foreign_keys' });
      a = new pg.Client({ connectionString: database.url });
      b = new pg.Client({ connectionString: database.url });
      watcher = new pg.Client({ connectionString: database.url });
      await a.connect();
      await b.connect();
      await watcher.connect();
      const run = (id: string, status: string, finished: string | null) =>
        a.query(
          `insert into imports (id, type, status, validate_only, file_name, file_kind, file_key, file_size, started_by, started_by_name, started_by_language, created_at, finished_at)
           values ($1, 'licences', $2, false, 'l.txt', 'txt', 'k', 1, $3, 'X', 'en', now(), $4)`,
          [id, status, USER, finished],
        );
      await run(ENDED, 'completed', '2026-11-30T10:00:00Z');
      await run(RUNNING, 'processing', null);
      for (const importId of [ENDED, RUNNING]) {
        await a.query(`insert into user_licence_import_touches (import_id, user_id, type_id, number_key, row_number) values ($1, $2, $3, 'n-1', 2), ($1, $2, $3, 'n-2', 3)`, [
          importId,
          USER,
          TYPE,
        ]);
      }
      await orm.migrator.up();
    } finally {
      await orm.close();
    }
    for (const [id, code] of [
      [TYPE, 'T'],
      [OTHER, 'O'],
      [SPARE, 'S'],
      [LATE, 'L'],
    ]) {
      await a.query(`insert into licence_types (id, code, name) values ($1, $2, $2)`, [id, code]);
    }
  });
  afterAll(async () => {
    await a?.end();
    await b?.end();
    await watcher?.end();
    await database?.drop();
  });

  it('deletes the touches of imports that ended and keeps those of a running one', async () => {
    const touches = await a.query(`select import_id, number_key from user_licence_import_touches order by import_id, number_key`);
    expect(touches.rows).toEqual([
      { import_id: RUNNING, number_key: 'n-1' },
      { import_id: RUNNING, number_key: 'n-2' },
    ]);
    expect((await a.query(`select 1 from pg_constraint where conname = 'user_licences_type_id_fkey'`)).rowCount).toBe(0);
  });

  it('refuses a licence of a type that does not exist, also one among many, and writes none of them', async () => {
    expect(await failure(insertLicence(a, UNKNOWN))).toEqual(FOREIGN_KEY);
    const before = Number((await a.query(`select count(*) as n from user_licences`)).rows[0].n);
    const many = a.query(
      `insert into user_licences (id, user_id, type_id, number, issued_on)
       select r.id, $1, r.type_id, r.id::text, '2026-01-01' from unnest($2::uuid[], $3::uuid[]) as r(id, type_id)`,
      [USER, [licenceId(), licenceId(), licenceId()], [TYPE, UNKNOWN, OTHER]],
    );
    expect(await failure(many)).toEqual(FOREIGN_KEY);
    expect(Number((await a.query(`select count(*) as n from user_licences`)).rows[0].n)).toBe(before);
    await insertLicence(a, TYPE);
    await insertLicence(a, OTHER);
  });

  it('refuses changing a licence to a type that does not exist, and allows another existing one', async () => {
    const id = licenceId();
    await insertLicence(a, TYPE, id);
    expect(await failure(a.query(`update user_licences set type_id = $2 where id = $1`, [id, UNKNOWN]))).toEqual(FOREIGN_KEY);
    await a.query(`update user_licences set type_id = $2 where id = $1`, [id, OTHER]);
    await a.query(`update user_licences set jurisdiction = 'NY' where id = $1`, [id]);
    expect((await a.query(`select type_id, jurisdiction from user_licences where id = $1`, [id])).rows).toEqual([{ type_id: OTHER, jurisdiction: 'NY' }]);
  });

  it('refuses deleting a type a licence is of (or changing its id), and deletes an unused one', async () => {
    expect(await failure(a.query(`delete from licence_types where id = $1`, [TYPE]))).toEqual(FOREIGN_KEY);
    expect(await failure(a.query(`update licence_types set id = $2 where id = $1`, [TYPE, UNKNOWN]))).toEqual(FOREIGN_KEY);
    const unused = '00000000-0000-4000-8000-0000000000b1';
    await a.query(`insert into licence_types (id, code, name) values ($1, 'U', 'U')`, [unused]);
    await a.query(`delete from licence_types where id = $1`, [unused]);
    expect((await a.query(`select 1 from licence_types where id = $1`, [TYPE])).rowCount).toBe(1);
  });

  it('refuses truncating the types while licences are of them, and truncates both tables at once', async () => {
    const error = await a.query(`truncate licence_types`).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect({ code: error?.code, message: error?.message }).toEqual({ code: '0A000', message: 'cannot truncate a table referenced in a foreign key constraint' });
    expect(Number((await a.query(`select count(*) as n from licence_types`)).rows[0].n)).toBeGreaterThan(0);
    // Inside a transaction that is rolled back: the tests after this one need their types and licences.
    await a.query('begin');
    try {
      await a.query(`truncate licence_types, user_licences`);
      expect((await a.query(`select count(*) as n from licence_types`)).rows[0].n).toBe('0');
    } finally {
      await a.query('rollback');
    }
  });

  it('makes a delete of a type wait for a transaction adding a licence of it, then refuses it', async () => {
    await a.query('begin');
    await insertLicence(a, SPARE);
    const deleting = b.query(`delete from licence_types where id = $1`, [SPARE]).then(
      () => undefined,
      (e: unknown) => e as { code?: string; constraint?: string },
    );
    await until(() => waiting(b));
    await a.query('commit');
    const error = await deleting;
    expect({ code: error?.code, constraint: error?.constraint }).toEqual(FOREIGN_KEY);
    expect((await a.query(`select 1 from licence_types where id = $1`, [SPARE])).rowCount).toBe(1);
  });

  it('makes a licence of a type being deleted wait for the delete, then refuses it', async () => {
    await b.query('begin');
    await b.query(`delete from licence_types where id = $1`, [LATE]);
    const adding = insertLicence(a, LATE).then(
      () => undefined,
      (e: unknown) => e as { code?: string; constraint?: string },
    );
    await until(() => waiting(a));
    await b.query('commit');
    const error = await adding;
    expect({ code: error?.code, constraint: error?.constraint }).toEqual(FOREIGN_KEY);
    expect((await b.query(`select count(*) as n from user_licences where type_id = $1`, [LATE])).rows[0].n).toBe('0');
  });
});
