import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * The default queue prefix of an installation: `cit_` and a short hash of the PostgreSQL cluster's
 * system identifier (fixed at initdb, different for every cluster) and the database name (several
 * installations may share one cluster). Two installations thus never share Bull queues or Redis keys,
 * while every process of one installation (api, workers, restarts) derives the same prefix.
 * Without the right to read pg_control_system() (it needs pg_monitor or superuser on some setups), the
 * server address stands in for the cluster.
 */
export async function installationQueuePrefix(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ database: string }>('select current_database() as database');
    const database = rows[0]!.database;
    let cluster: string;
    try {
      const control = await client.query<{ id: string }>('select system_identifier::text as id from pg_control_system()');
      cluster = `system:${control.rows[0]!.id}`;
    } catch {
      const url = new URL(databaseUrl);
      cluster = `address:${url.searchParams.get('host') ?? url.hostname}:${url.port || '5432'}`;
    }
    return `cit_${createHash('sha256').update(`${cluster}\0${database}`).digest('hex').slice(0, 12)}`;
  } finally {
    await client.end().catch(() => {});
  }
}
