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
  describe('TRUST_PROXY', () => {
    const trust = (value: string) => loadConfig({ TRUST_PROXY: value }, cwd()).trustProxy;

    it('defaults to the loopback addresses', () => {
      expect(loadConfig({}, cwd()).trustProxy).toEqual(['loopback']);
    });

    it('reads a whole number as a hop count, not as an address', () => {
      expect(trust('1')).toBe(1);
      expect(trust(' 2 ')).toBe(2);
      expect(trust('0')).toBe(0);
    });

    it('reads true and false as booleans instead of crashing the start', () => {
      expect(trust('true')).toBe(true);
      expect(trust('TRUE')).toBe(true);
      expect(trust('false')).toBe(false);
    });

    it('reads a comma-separated list of addresses, subnets and named ranges', () => {
      expect(trust('loopback, 10.0.0.0/8,fd00::/8, 192.168.1.7,LinkLocal,uniquelocal, 10.1.0.0/255.255.0.0')).toEqual([
        'loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.7', 'linklocal', 'uniquelocal', '10.1.0.0/255.255.0.0',
      ]);
    });

    it.each(['yes', '1.5', '-1', 'loopback,,10.0.0.1', '10.0.0.0/33', 'fd00::/129', '300.1.1.1', 'proxy.example.com', '99999999999999999999'])(
      'refuses %j with a ConfigError',
      (value) => {
        expect(() => trust(value)).toThrow(ConfigError);
        expect(() => trust(value)).toThrow(/TRUST_PROXY/);
      },
    );
  });

  it('gives API tokens a default and a maximum lifetime', () => {
    expect(loadConfig({}, cwd())).toMatchObject({ apiTokenDefaultTtlDays: 90, apiTokenMaxTtlDays: 365 });
    expect(loadConfig({ API_TOKEN_MAX_TTL_DAYS: '30' }, cwd())).toMatchObject({ apiTokenDefaultTtlDays: 30, apiTokenMaxTtlDays: 30 });
    expect(() => loadConfig({ API_TOKEN_DEFAULT_TTL_DAYS: '400' }, cwd())).toThrow(/must not exceed API_TOKEN_MAX_TTL_DAYS/);
  });
});
