import { execFileSync } from 'node:child_process';
import {
  chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '#libs/runtime/embedded-postgres.js';
import { binariesIn, copyProblem, installedPostgresBinaries, reachableBinaries } from '#libs/runtime/postgres-binaries.js';
import { StartupError } from '#libs/runtime/startup-error.js';

const asRoot = process.getuid?.() === 0;

/**
 * The embedded PostgreSQL when the clone sits in a directory other users cannot enter (a 0700 home or
 * `mktemp -d`). As root the server runs as the postgres user, which could not execute the binaries
 * inside node_modules there: initdb died with an unhandled `spawn ... EACCES`.
 */
describe('embedded PostgreSQL from a closed directory', () => {
  const cleanup: string[] = [];
  const temp = (parent: string, prefix: string, mode: number) => {
    const dir = mkdtempSync(join(parent, prefix));
    chmodSync(dir, mode);
    cleanup.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of cleanup.reverse()) rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(asRoot)('as root, copies the binaries once to a reachable, versioned place and runs from there', async () => {
    const installed = await installedPostgresBinaries();
    // The package as it lies in a clone under a closed directory.
    const closedClone = temp(tmpdir(), 'cit-closed-clone-', 0o700);
    cpSync(join(installed.nativeDir, '..'), join(closedClone, 'linux-x64'), { recursive: true, verbatimSymlinks: true });
    const binaries = binariesIn(join(closedClone, 'linux-x64', 'native'));
    expect(binaries.version).toBe(installed.version);
    const cacheRoot = temp('/var/tmp', 'cit-cache-', 0o755);
    const dataDir = join(temp(tmpdir(), 'cit-closed-data-', 0o700), 'postgres');
    const lines: string[] = [];

    const first = await startEmbeddedPostgres(dataDir, (line) => lines.push(line), { binaries, cacheRoot });
    try {
      expect(first.dataDir.startsWith(cacheRoot)).toBe(true); // the data directory moved too
      expect(await serverVersion(first.adminUrl)).toMatch(/^PostgreSQL 15\./);
    } finally {
      await first.stop();
    }
    const copies = readdirSync(cacheRoot).filter((name) => name.startsWith('pg-'));
    expect(copies).toEqual([expect.stringMatching(new RegExp(`^pg-${installed.version.replace(/\./g, '\\.')}-[0-9a-f]{12}$`))]);
    expect(existsSync(join(cacheRoot, copies[0]!, '.complete'))).toBe(true);
    expect(lines.filter((line) => line.includes('copying the PostgreSQL binaries'))).toHaveLength(1);

    // The second start reuses the copy and the initialised cluster.
    const second = await startEmbeddedPostgres(dataDir, (line) => lines.push(line), { binaries, cacheRoot });
    try {
      expect(await serverVersion(second.adminUrl)).toMatch(/^PostgreSQL 15\./);
    } finally {
      await second.stop();
    }
    expect(lines.filter((line) => line.includes('copying the PostgreSQL binaries'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('initialising'))).toHaveLength(1);
  });

  it.runIf(asRoot)('as root, refuses binaries from a cache directory that another user could have filled', async () => {
    const installed = await installedPostgresBinaries();
    const closedClone = temp(tmpdir(), 'cit-closed-clone-', 0o700);
    cpSync(join(installed.nativeDir, '..'), join(closedClone, 'linux-x64'), { recursive: true, verbatimSymlinks: true });
    const cacheRoot = temp('/var/tmp', 'cit-cache-', 0o755);
    chownSync(cacheRoot, 65534, 65534); // made first by "nobody", who could put a postgres of their own in it
    const dataDir = join(temp(tmpdir(), 'cit-closed-data-', 0o755), 'postgres');
    const error = await startEmbeddedPostgres(dataDir, () => {}, { binaries: binariesIn(join(closedClone, 'linux-x64', 'native')), cacheRoot })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).message).toContain(`${cacheRoot} is not a directory that only root can change (owner uid 65534`);
    expect(readdirSync(cacheRoot)).toEqual([]);
  });

  it.runIf(asRoot)('as root, copies without write access for others and reuses a copy only while it is whole, root-owned and closed', async () => {
    const installed = await installedPostgresBinaries();
    const closedClone = temp(tmpdir(), 'cit-closed-clone-', 0o700);
    cpSync(join(installed.nativeDir, '..'), join(closedClone, 'linux-x64'), { recursive: true, verbatimSymlinks: true });
    const source = join(closedClone, 'linux-x64', 'native');
    // npm ran with a permissive umask: the package's files are writable by everyone.
    execFileSync('chmod', ['-R', 'go+w', source]);
    const binaries = binariesIn(source);
    const cacheRoot = temp('/var/tmp', 'cit-cache-', 0o755);
    const postgresUser = {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
    const lines: string[] = [];
    const reach = () => reachableBinaries(binaries, postgresUser, (line) => lines.push(line), cacheRoot);
    const copies = () => lines.filter((line) => line.includes('copying the PostgreSQL binaries')).length;
    const othersMayWrite = (root: string): string[] => {
      const found: string[] = [];
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (!entry.isSymbolicLink() && (lstatSync(path).mode & 0o022) !== 0) found.push(path);
          if (entry.isDirectory()) walk(path);
        }
      };
      walk(root);
      return found;
    };

    const copied = reach();
    const target = join(copied.nativeDir, '..');
    expect(copies()).toBe(1);
    expect(othersMayWrite(target)).toEqual([]);
    expect(copyProblem(target)).toBeUndefined();

    // Reused while whole, and touched so that age-based cleaning of /var/tmp leaves it alone.
    const sample = join(target, 'native', 'share', 'postgresql', 'postgres.bki');
    const someFile = existsSync(sample) ? sample : join(target, 'native', 'bin', 'initdb');
    const old = new Date(Date.now() - 40 * 86_400_000);
    utimesSync(someFile, old, old);
    expect(reach().nativeDir).toBe(copied.nativeDir);
    expect(copies()).toBe(1);
    expect(statSync(someFile).mtimeMs).toBeGreaterThan(Date.now() - 60_000);

    // systemd-tmpfiles pruned old files but left .complete: copied again, not run half-deleted.
    rmSync(someFile);
    expect(copyProblem(target)).toMatch(/no longer matches its manifest/);
    reach();
    expect(copies()).toBe(2);
    expect(existsSync(someFile)).toBe(true);
    expect(lines.some((line) => line.includes('cannot be reused'))).toBe(true);

    // A file others may write (or one not owned by root): copied again.
    chmodSync(join(target, 'native', 'bin', 'postgres'), 0o777);
    expect(copyProblem(target)).toMatch(/writable by others/);
    reach();
    expect(copies()).toBe(3);
    expect(othersMayWrite(target)).toEqual([]);
    chownSync(someFile, 65534, 65534);
    expect(copyProblem(target)).toMatch(/not owned by root/);
    reach();
    expect(copies()).toBe(4);
    expect(copyProblem(target)).toBeUndefined();
    expect(readdirSync(cacheRoot)).toHaveLength(1); // stale copies removed
  });

  it('a data directory of another PostgreSQL major version is refused with what to do, before anything runs', async () => {
    const dataDir = join(temp(tmpdir(), 'cit-old-data-', 0o755), 'postgres');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'PG_VERSION'), '18\n');
    const cacheRoot = temp('/var/tmp', 'cit-cache-', 0o755);
    const error = await startEmbeddedPostgres(dataDir, () => {}, { cacheRoot }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).message).toContain('created by PostgreSQL 18, but this version runs PostgreSQL 15');
    expect((error as StartupError).hint).toContain(`mv ${dataDir} ${dataDir}.pg18`);
  });

  it('binaries that cannot be executed end in a StartupError, not an unhandled error event', async () => {
    // A reachable directory with a postgres that answers --version but an initdb without execute bits.
    const fake = temp('/var/tmp', 'cit-fake-pg-', 0o755);
    mkdirSync(join(fake, 'native', 'bin'), { recursive: true, mode: 0o755 });
    writeFileSync(join(fake, 'native', 'bin', 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 15.0"\n', { mode: 0o755 });
    writeFileSync(join(fake, 'native', 'bin', 'initdb'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const dataDir = join(temp(tmpdir(), 'cit-fake-data-', 0o755), 'postgres');
    const error = await startEmbeddedPostgres(dataDir, () => {}, {
      binaries: binariesIn(join(fake, 'native')),
      cacheRoot: temp('/var/tmp', 'cit-cache-', 0o755),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).message).toMatch(/could not initialise .*EACCES/);
    expect((error as StartupError).hint).toContain('DATABASE_URL');
  });
});

async function serverVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<{ v: string }>('select version() as v')).rows[0]!.v;
  } finally {
    await client.end();
  }
}
