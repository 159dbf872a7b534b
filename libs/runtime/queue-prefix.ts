import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeError, StartupError } from './startup-error.js';

/** PostgreSQL error codes that mean "this role may not read the cluster identity", not "something broke". */
const IDENTITY_NOT_READABLE = new Set(['42501' /* insufficient_privilege */, '42883' /* undefined_function */]);

/**
 * The default queue prefix of an installation, chosen once and stored in the database (table
 * `installation`, created by a migration), so every process (api, workers, restarts) reads the same value
 * whatever host name, IP or pooler its DATABASE_URL uses and whatever rights its role has today.
 *
 * The first process that finds no row inserts one (`on conflict do nothing`, so concurrent first starts agree)
 * and then everyone selects it: `cit_` and a short hash of the cluster's system identifier and the database
 * name when the role may read pg_control_system(), else a random id. Either way two installations never
 * share queues, and the value never changes afterwards (granting or revoking pg_monitor changes nothing).
 *
 * Any other error ends the start: an unknown prefix is refused, never guessed.
 * Call it after the migrations ran.
 */
export async function installationQueuePrefix(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const stored = await storedPrefix(client);
    if (stored) return stored;
    await client.query('insert into installation (singleton, queue_prefix) values (true, $1) on conflict do nothing', [await derivedPrefix(client)]);
    const prefix = await storedPrefix(client);
    if (!prefix) throw new Error('the installation row is missing right after it was inserted');
    return prefix;
  } catch (error) {
    throw new StartupError(
      `Could not read the installation's queue prefix from the database: ${describeError(error)}`,
      'Check that DATABASE_URL reaches the database and its role may read and insert into the table "installation", ' +
        'or set QUEUE_PREFIX to the same value for every process.',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function storedPrefix(client: pg.Client): Promise<string | undefined> {
  const { rows } = await client.query<{ queue_prefix: string }>('select queue_prefix from installation where singleton');
  return rows[0]?.queue_prefix;
}

/** What a first start stores: derived from the cluster identity when readable (stable across a re-created row), else random. */
async function derivedPrefix(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ database: string }>('select current_database() as database');
  let identity: string;
  try {
    const control = await client.query<{ id: string }>('select system_identifier::text as id from pg_control_system()');
    identity = `system:${control.rows[0]!.id}\0${rows[0]!.database}`;
  } catch (error) {
    if (!IDENTITY_NOT_READABLE.has((error as { code?: string }).code ?? '')) throw error;
    identity = `random:${randomBytes(16).toString('hex')}`;
  }
  return `cit_${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}
