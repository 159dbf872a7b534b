import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormOptions } from '../../src/database/orm-options.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * A database of its own for a migration's test: migrated up to `before` (the migration the tested one
 * follows), given the rows `seed` writes as the earlier version left them, then migrated the rest of the way.
 * The client stays open for the test's checks; close it and drop the database in afterAll.
 */
export async function migratedAfterSeed(before: string, seed: (client: pg.Client) => Promise<void>): Promise<{ database: TestDatabase; client: pg.Client }> {
  const database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  try {
    const orm = await MikroORM.init(ormOptions(database.url, { pool: { min: 0, max: 2 } }));
    try {
      await orm.migrator.up({ to: before });
      await client.connect();
      await seed(client);
      await orm.migrator.up();
    } finally {
      await orm.close();
    }
  } catch (error) {
    await client.end().catch(() => {});
    await database.drop();
    throw error;
  }
  return { database, client };
}
