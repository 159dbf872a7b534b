import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../libs/config/app-config.js';
import { provisionServices } from '../../libs/runtime/provision.js';
import { installationQueuePrefix } from '../../libs/runtime/queue-prefix.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Every checkout on a machine used the Redis at 6379 with the prefix `cit`, while each had its own
 * database: a second checkout's worker took the first one's jobs. The default prefix now comes from
 * the installation's database (cluster identity and database name).
 */
describe('queue prefix of an installation', () => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
  });

  const configFor = (database: TestDatabase, env: Record<string, string> = {}) =>
    loadConfig({ DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), SMTP_URL: 'smtp://127.0.0.1:2525', ...env }, process.cwd());

  const resolvedPrefix = async (database: TestDatabase, env: Record<string, string> = {}) => {
    const services = await provisionServices(configFor(database, env), () => {});
    try {
      return services.config.queuePrefix;
    } finally {
      await services.stop();
    }
  };

  it('two databases of one cluster are two installations with different prefixes', async () => {
    const a = await resolvedPrefix(first);
    const b = await resolvedPrefix(second);
    expect(a).toMatch(/^cit_[0-9a-f]{12}$/);
    expect(b).toMatch(/^cit_[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(a).not.toBe('cit');
  });

  it('the same database gives the same prefix every time (api, workers and restarts share queues)', async () => {
    expect(await resolvedPrefix(first)).toBe(await resolvedPrefix(first));
    expect(await installationQueuePrefix(first.url)).toBe(await resolvedPrefix(first));
  });

  it('an explicit QUEUE_PREFIX wins', async () => {
    expect(await resolvedPrefix(first, { QUEUE_PREFIX: 'shared_on_purpose' })).toBe('shared_on_purpose');
  });
});
