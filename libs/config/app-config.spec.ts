import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('loadConfig', () => {
  it('uses embedded defaults when nothing is configured', () => {
    const config = loadConfig({}, cwd());
    expect(config.role).toBe('all');
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.seedDemoData).toBe(true);
    expect(config.authTokenSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps the generated token secret across restarts', () => {
    const dir = cwd();
    expect(loadConfig({}, dir).authTokenSecret).toBe(loadConfig({}, dir).authTokenSecret);
  });

  it('does not seed demo data into a configured database unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' }, cwd()).seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', SEED_DEMO_DATA: 'true' }, cwd()).seedDemoData).toBe(true);
  });

  it('refuses split roles without shared services', () => {
    expect(() => loadConfig({ ROLE: 'worker', DATABASE_URL: 'postgres://x@h/db' }, cwd())).toThrow(/set REDIS_URL, SMTP_URL/);
    const worker = loadConfig(
      { ROLE: 'worker', DATABASE_URL: 'postgres://x@h/db', REDIS_URL: 'redis://h:6379', SMTP_URL: 'smtp://h:25' },
      cwd(),
    );
    expect(worker.role).toBe('worker');
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ ROLE: 'web', PORT: 'abc', DATABASE_URL: 'mysql://x', AUTH_TOKEN_SECRET: 'short', IMPORT_CHUNK_SIZE: '0' }, cwd());
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems).toHaveLength(5);
      expect(problems.join('\n')).toMatch(/IMPORT_CHUNK_SIZE must be a whole number between 1 and 10000/);
      expect(problems.join('\n')).toMatch(/ROLE must be api, worker or all/);
      expect(problems.join('\n')).toMatch(/PORT must be a whole number/);
      expect(problems.join('\n')).toMatch(/DATABASE_URL must start with postgres:/);
      expect(problems.join('\n')).toMatch(/AUTH_TOKEN_SECRET must be at least 32/);
    }
  });
});
