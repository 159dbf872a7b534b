import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startEmbeddedPostgres } from '#libs/runtime/embedded-postgres.js';
import { findOrStartRedis } from '#libs/runtime/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    redisUrl: string;
  }
}

/**
 * Finds the services the tests run against: the configured ones (TEST_DATABASE_URL / DATABASE_URL,
 * REDIS_URL), else local ones, else an embedded PostgreSQL and a redis-server started here.
 * Each test file then creates its own database (see test-app.ts), so files run in parallel.
 */
export default async function setup(project: TestProject) {
  const stops: (() => Promise<void>)[] = [];
  const log = (message: string) => process.stdout.write(`[test services] ${message}\n`);

  let pgAdminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!pgAdminUrl && (await canConnect('postgres://postgres@127.0.0.1:5432/postgres'))) {
    pgAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  }
  if (!pgAdminUrl) {
    const embedded = await startEmbeddedPostgres(join(process.cwd(), '.data', 'test-postgres'), log);
    stops.push(() => embedded.stop());
    pgAdminUrl = embedded.adminUrl;
    log(`embedded PostgreSQL at ${pgAdminUrl.replace(/:[^:@]*@/, ':***@')}`);
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await findOrStartRedis(join(process.cwd(), '.data', 'test-redis'), log);
    stops.push(() => redis.stop());
    redisUrl = redis.url;
  }
  project.provide('pgAdminUrl', pgAdminUrl);
  project.provide('redisUrl', redisUrl);
  await dropLeftoverDatabases(pgAdminUrl);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Test databases of runs that were killed before cleaning up (older than an hour). */
async function dropLeftoverDatabases(adminUrl: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'cit_test_%'`);
    for (const { datname } of rows) {
      const created = Number(datname.split('_')[2]);
      if (Number.isFinite(created) && Date.now() - created > 3_600_000) {
        await client.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
      }
    }
  } finally {
    await client.end();
  }
}
