import { join } from 'node:path';
import type { AppConfig } from '#libs/config/app-config.js';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.js';
import { MailCatcher } from './mail-catcher.js';
import { findOrStartRedis } from './redis-server.js';
import { describeError, StartupError } from './startup-error.js';

export interface ProvisionedServices {
  /** The configuration with every service URL filled in. */
  config: AppConfig;
  mailCatcher?: MailCatcher;
  /** What was started or found, for the start-up banner. */
  notes: string[];
  stop(): Promise<void>;
}

/**
 * Fills in what the configuration leaves open: an embedded PostgreSQL for a missing DATABASE_URL, a
 * local or freshly started Redis for a missing REDIS_URL, the built-in mail catcher for a missing
 * SMTP_URL. Configured services are used as they are; nothing of our own is started for them.
 */
export async function provisionServices(config: AppConfig, log: (message: string) => void): Promise<ProvisionedServices> {
  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  const resolved = Object.assign(Object.create(Object.getPrototypeOf(config)), config) as AppConfig;
  try {
    if (!resolved.databaseUrl) {
      const requested = join(config.dataDir, 'postgres');
      const postgres = await startEmbeddedPostgres(requested, log);
      stops.push(() => postgres.stop());
      await ensureDatabase(postgres.adminUrl, 'credential_import');
      resolved.databaseUrl = postgres.adminUrl.replace(/\/postgres$/, '/credential_import');
      notes.push(`database: embedded PostgreSQL (${requested}${postgres.dataDir === requested ? '' : `, files in ${postgres.dataDir}`})`);
    } else {
      notes.push('database: DATABASE_URL');
    }
    if (!resolved.redisUrl) {
      const redis = await findOrStartRedis(join(config.dataDir, 'redis'), log).catch((error: unknown) => {
        throw error instanceof StartupError ? error : new StartupError(
          `Could not start a Redis server: ${describeError(error)}`,
          'Start Redis on 127.0.0.1:6379 (it is used when it answers), or set REDIS_URL.',
          { cause: error },
        );
      });
      stops.push(() => redis.stop());
      resolved.redisUrl = redis.url;
      notes.push(`redis: ${redis.url}`);
    } else {
      notes.push('redis: REDIS_URL');
    }
    let mailCatcher: MailCatcher | undefined;
    if (!resolved.smtpUrl) {
      mailCatcher = new MailCatcher();
      await mailCatcher.start().catch((error: unknown) => {
        throw new StartupError(
          `Could not start the built-in mail catcher: ${describeError(error)}`,
          'Set SMTP_URL to a real SMTP server (e.g. smtp://127.0.0.1:1025 for a local Mailpit).',
          { cause: error },
        );
      });
      stops.push(() => mailCatcher!.stop());
      resolved.smtpUrl = mailCatcher.url;
      notes.push(`mail: built-in catcher on ${mailCatcher.url} (read caught mail at ${config.publicUrl}/api/dev/mails)`);
    } else {
      notes.push('mail: SMTP_URL');
    }
    return {
      config: resolved,
      mailCatcher,
      notes,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (error instanceof StartupError) throw error;
    throw new StartupError(
      `Could not prepare the local services: ${describeError(error)}`,
      'Set DATABASE_URL, REDIS_URL and SMTP_URL to services of your own to skip the embedded ones.',
      { cause: error },
    );
  }
}
