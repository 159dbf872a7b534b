import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormOptions } from './orm-options.js';

const MIGRATION_LOCK = 727001;

/**
 * Applies pending migrations. Several processes may start at once (api and workers): a PostgreSQL
 * advisory lock, held on a dedicated connection, lets one migrate while the others wait.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const orm = await MikroORM.init(ormOptions(databaseUrl, { pool: { min: 0, max: 2 } }));
    try {
      const applied = await orm.migrator.up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close();
    }
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await lock.end();
  }
}
