import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installationQueuePrefix } from '#libs/runtime/queue-prefix.js';
import { StartupError } from '#libs/runtime/startup-error.js';
import { runMigrations } from '../../src/database/migrate.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Every checkout on a machine used the Redis at 6379 with the prefix `cit`, while each had its own
 * database: a second checkout's worker took the first one's jobs. The default prefix is now chosen once
 * per installation and stored in its database, so every process reads the same one: whatever host
 * spelling its DATABASE_URL uses, whether its role may read the cluster identity, across restarts.
 */
describe('queue prefix of an installation', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  const role = `cit_nomon_${randomBytes(4).toString('hex')}`;

  const admin = async <T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  /** The database as `host` and `role` see it. */
  const urlAs = (database: TestDatabase, host: string, user?: string) => {
    const url = new URL(database.url);
    url.hostname = host;
    if (user) {
      url.username = user;
      url.password = 'no-monitor-password';
    }
    return url.toString();
  };

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    await Promise.all([runMigrations(first.url), runMigrations(second.url)]);
    // A managed database's application role: it may not read pg_control_system() (no pg_monitor). Shadowed
    // here by a function that refuses like PostgreSQL does, found first on the role's search_path.
    await admin(inject('pgAdminUrl'), (client) => client.query(`create role ${role} login password 'no-monitor-password'`));
    await admin(first.url, async (client) => {
      await client.query(`create schema no_monitor authorization postgres`);
      await client.query(`
        create function no_monitor.pg_control_system() returns table (system_identifier bigint) language plpgsql as $$
        begin raise exception 'permission denied for function pg_control_system' using errcode = '42501'; end $$`);
      await client.query(`grant usage on schema no_monitor to ${role}`);
      await client.query(`grant select, insert on installation to ${role}`);
      await client.query(`alter role ${role} in database "${first.name}" set search_path = no_monitor, pg_catalog, public`);
    });
  });
  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
    await admin(inject('pgAdminUrl'), (client) => client.query(`drop role if exists ${role}`)).catch(() => {});
  });

  it('processes of one installation agree even when their DATABASE_URL spells the host differently and the cluster identity is unreadable', async () => {
    const api = await installationQueuePrefix(urlAs(first, 'localhost', role));
    const worker = await installationQueuePrefix(urlAs(first, '127.0.0.1', role));
    expect(api).toMatch(/^cit_[0-9a-f]{12}$/);
    expect(worker).toBe(api);
    // Granting pg_monitor later (here: the superuser, who can read the identity) changes nothing.
    expect(await installationQueuePrefix(urlAs(first, '127.0.0.1'))).toBe(api);
    const [row] = await admin(first.url, async (client) => (await client.query('select queue_prefix from installation')).rows);
    expect(row.queue_prefix).toBe(api);
  });

  it('two databases of one cluster are two installations with different prefixes', async () => {
    const a = await installationQueuePrefix(first.url);
    const b = await installationQueuePrefix(second.url);
    expect(b).toMatch(/^cit_[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(a).not.toBe('cit');
  });

  it('a failing query fails the start with a clear message instead of falling back to a guessed prefix', async () => {
    const unmigrated = await createTestDatabase();
    try {
      const attempt = installationQueuePrefix(unmigrated.url);
      await expect(attempt).rejects.toBeInstanceOf(StartupError);
      await expect(attempt).rejects.toThrow(/Could not read the installation's queue prefix from the database: .*installation/);
    } finally {
      await unmigrated.drop();
    }
    // An unreachable database is no different: refused, not guessed from the address.
    await expect(installationQueuePrefix('postgres://postgres@127.0.0.1:1/none')).rejects.toThrow(/queue prefix/);
  });

  it('a started application uses the stored prefix, the same after a restart; an explicit QUEUE_PREFIX wins', async () => {
    const stored = await installationQueuePrefix(second.url);
    const app = await startTestApp({ database: second, seed: false, env: { QUEUE_PREFIX: '' } });
    await app.close();
    expect(app.config.queuePrefix).toBe(stored);
    const restarted = await startTestApp({ database: second, seed: false, env: { QUEUE_PREFIX: '' } });
    await restarted.close();
    expect(restarted.config.queuePrefix).toBe(stored);
    const pinned = await startTestApp({ database: second, seed: false, env: { QUEUE_PREFIX: 'shared_on_purpose' } });
    await pinned.close();
    expect(pinned.config.queuePrefix).toBe('shared_on_purpose');
  });
});
