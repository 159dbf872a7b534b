import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '#libs/config/app-config.js';
import { JsonLogger } from '#libs/logging/json-logger.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';
import { startApplication, type RunningApplication } from '../../src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestAppOptions {
  /** Seed the demo organisation (admin@example.com etc., password demo-password-1). Default true. */
  seed?: boolean;
  env?: Record<string, string>;
  /** Reuse a database (for restart tests); a new one otherwise. */
  database?: TestDatabase;
  /** Reuse a mail catcher; a new one otherwise. */
  mailCatcher?: MailCatcher;
}

export interface TestApp {
  url: string;
  running: RunningApplication;
  config: AppConfig;
  database: TestDatabase;
  mail: MailCatcher;
  dataDir: string;
  /** A direct connection to the test database, for assertions on what was written. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Stops the app; keeps the database and mail catcher (for restarts). */
  stop(): Promise<void>;
  /** Stops everything and drops the database. */
  close(): Promise<void>;
}

/**
 * Starts the real application (ROLE=all) against real PostgreSQL, Redis and SMTP: its own database,
 * its own queue prefix in Redis, its own mail catcher, its own data directory, on a free port.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const mail = options.mailCatcher ?? new MailCatcher();
  if (!options.mailCatcher) await mail.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'cit-test-'));
  const config = loadConfig(
    {
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      SMTP_URL: mail.url,
      PORT: '0',
      DATA_DIR: dataDir,
      QUEUE_PREFIX: `cit_test_${randomBytes(4).toString('hex')}`,
      SEED_DEMO_DATA: String(options.seed ?? true),
      OUTBOX_POLL_INTERVAL_MS: '50',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      AUTH_TOKEN_SECRET: 'test-secret-that-is-long-enough-for-hmac-0123456789',
      ...options.env,
    },
    process.cwd(),
  );
  const running = await startApplication(config, new JsonLogger(config.logLevel));
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // pool.end() resolves before its clients' sockets have closed; a database dropped right after (close())
  // terminates them, and pg-pool re-emits that on the pool: without a listener, an uncaught exception.
  pool.on('error', () => {});
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await running.close();
    await pool.end();
  };
  return {
    url: running.url!,
    running,
    config: running.config,
    database,
    mail,
    dataDir,
    sql: async (text, params) => (await pool.query(text, params)).rows,
    stop,
    close: async () => {
      await stop();
      await deleteQueueKeys(config.redisUrl!, running.config.queuePrefix);
      if (!options.mailCatcher) await mail.stop();
      if (!options.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes the Bull keys of a test's own queue prefix from the shared Redis. */
export async function deleteQueueKeys(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
