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

describe('production refuses unsafe settings', () => {
  const placeholder = 'REPLACE-ME-placeholder-secret-do-not-use-in-production';
  /** What every production installation sets besides the settings under test. */
  const services = { DATABASE_URL: 'postgres://app@10.0.0.5/ci', REDIS_URL: 'redis://10.0.0.6:6379', METRICS_TOKEN: 'scrape-token-0123456789' };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, cwd());
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('with NODE_ENV=production: the placeholder secret, demo seeding and the mail catcher, all in one error', () => {
    const problems = problemsOf({ NODE_ENV: 'production', AUTH_TOKEN_SECRET: placeholder, SEED_DEMO_DATA: 'true', ...services });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/AUTH_TOKEN_SECRET is the public placeholder .*NODE_ENV=production/);
    expect(problems[1]).toMatch(/SEED_DEMO_DATA=true is refused/);
    expect(problems[2]).toMatch(/SMTP_URL must be set/);
  });

  it('with a DATABASE_URL on another host, even without NODE_ENV', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://app@db.internal:5432/ci', AUTH_TOKEN_SECRET: placeholder, SEED_DEMO_DATA: 'yes' });
    expect(problems.join('\n')).toMatch(/placeholder .*DATABASE_URL points to another host/);
    expect(problems.join('\n')).toMatch(/SEED_DEMO_DATA/);
    expect(problems.join('\n')).toMatch(/SMTP_URL/);
    // the compose file's setting: a service named postgres is another host
    expect(problemsOf({ ...services, DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/credential_import', SEED_DEMO_DATA: 'true', SMTP_URL: 'smtp://mailpit:1025' }))
      .toEqual([expect.stringMatching(/SEED_DEMO_DATA=true is refused/)]);
  });

  it('accepts a production configuration that sets its own secret and SMTP server and seeds nothing', () => {
    const config = loadConfig(
      { NODE_ENV: 'production', ...services, SMTP_URL: 'smtp://mail.internal:25', AUTH_TOKEN_SECRET: 'x'.repeat(48) },
      cwd(),
    );
    expect(config.seedDemoData).toBe(false);
  });

  it('keeps local trials and the tests working: a DATABASE_URL on this machine may seed demo data and use the catcher', () => {
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/test',
      'postgres://postgres@127.9.9.9/test',
      'postgres://postgres@localhost/test',
      'postgres://postgres@[::1]:5432/test',
      'postgres:///test?host=/var/run/postgresql',
      'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test',
    ]) {
      expect(problemsOf({ DATABASE_URL: url, SEED_DEMO_DATA: 'true', AUTH_TOKEN_SECRET: placeholder }), url).toEqual([]);
    }
    expect(problemsOf({ SEED_DEMO_DATA: 'true' })).toEqual([]);
  });

  it('with NODE_ENV=production: no embedded PostgreSQL (fixed password) and no redis-server of its own', () => {
    const problems = problemsOf({ NODE_ENV: 'production', SEED_DEMO_DATA: 'false', SMTP_URL: 'smtp://mail.internal:25', AUTH_TOKEN_SECRET: 'x'.repeat(48), METRICS_TOKEN: services.METRICS_TOKEN });
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL must be set .*NODE_ENV=production.*postgres\/postgres/),
      expect.stringMatching(/^REDIS_URL must be set .*redis-server/),
    ]);
  });

  it('in production the API serves /metrics only with METRICS_TOKEN (a proxy on the same host makes loopback public)', () => {
    const base = { NODE_ENV: 'production', ...services, SMTP_URL: 'smtp://mail.internal:25', AUTH_TOKEN_SECRET: 'x'.repeat(48) };
    const { METRICS_TOKEN: _token, ...withoutToken } = base;
    for (const role of ['all', 'api']) {
      expect(problemsOf({ ...withoutToken, ROLE: role }), role).toEqual([expect.stringMatching(/^METRICS_TOKEN must be set .*reverse proxy/)]);
    }
    // also when production is recognised by a database elsewhere
    expect(problemsOf({ ...withoutToken, NODE_ENV: '', SEED_DEMO_DATA: 'false' })).toEqual([expect.stringMatching(/^METRICS_TOKEN must be set .*DATABASE_URL points to another host/)]);
    // a worker has no API; its HEALTH_PORT listener is not behind the proxy
    expect(problemsOf({ ...withoutToken, ROLE: 'worker' })).toEqual([]);
    expect(problemsOf(base)).toEqual([]);
    // local trials keep loopback scraping without a token
    expect(problemsOf({})).toEqual([]);
  });

  it('refuses the test-only import types (IMPORT_TEST_TYPES) in production, and keeps them off unless asked', () => {
    const base = { NODE_ENV: 'production', ...services, SMTP_URL: 'smtp://mail.internal:25', AUTH_TOKEN_SECRET: 'x'.repeat(48) };
    expect(problemsOf({ ...base, IMPORT_TEST_TYPES: 'true' })).toEqual([
      expect.stringMatching(/^IMPORT_TEST_TYPES=true is refused \(a production installation: NODE_ENV=production, DATABASE_URL points to another host\): .*only for the tests/),
    ]);
    expect(problemsOf({ ...base, NODE_ENV: '', SEED_DEMO_DATA: 'false', IMPORT_TEST_TYPES: 'on' })).toEqual([expect.stringMatching(/^IMPORT_TEST_TYPES=true is refused/)]);
    expect(problemsOf({ ...base, IMPORT_TEST_TYPES: 'false' })).toEqual([]);
    expect(loadConfig(base, cwd()).imports.testTypes).toBe(false);
    expect(loadConfig({ IMPORT_TEST_TYPES: 'true' }, cwd()).imports.testTypes).toBe(true);
  });

  it('does not mistake look-alike hosts for this machine', () => {
    for (const url of ['postgres://x@127.0.0.1.nip.io/db', 'postgres://x@localhost.example.com/db', 'postgres://x@[::2]/db', 'postgres://x@128.0.0.1/db']) {
      expect(problemsOf({ ...services, DATABASE_URL: url, SEED_DEMO_DATA: 'true', SMTP_URL: 'smtp://m:25' }), url).toHaveLength(1);
    }
  });
});

describe('HTTP and shutdown limits', () => {
  it('gives a request long enough for the largest upload at the slowest served rate', () => {
    const config = loadConfig({}, cwd());
    // 500 MiB at 128 KiB/s: 4000 s; Node's default of 300 s cuts such an upload off after 37 MiB.
    expect(config.httpRequestTimeoutMs).toBe(4_000_000);
    expect(config.httpHeadersTimeoutMs).toBe(60_000);
    expect(loadConfig({ IMPORT_MAX_UPLOAD_BYTES: String(1024 * 1024), HTTP_MIN_UPLOAD_BYTES_PER_SECOND: '1024' }, cwd()).httpRequestTimeoutMs).toBe(1_024_000);
    expect(loadConfig({ IMPORT_MAX_UPLOAD_BYTES: '2048' }, cwd()).httpRequestTimeoutMs).toBe(300_000); // never below Node's default
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_SECONDS: '900' }, cwd()).httpRequestTimeoutMs).toBe(900_000);
  });

  it('has a shutdown deadline, 30 s unless configured', () => {
    expect(loadConfig({}, cwd()).shutdownTimeoutMs).toBe(30_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '5' }, cwd()).shutdownTimeoutMs).toBe(5000);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '0' }, cwd())).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
  });

  it('lowers a worker to nice 10 unless configured, within what nice allows', () => {
    expect(loadConfig({}, cwd()).workerNice).toBe(10);
    expect(loadConfig({ WORKER_NICE: '0' }, cwd()).workerNice).toBe(0);
    expect(() => loadConfig({ WORKER_NICE: '20' }, cwd())).toThrow(/WORKER_NICE/);
    expect(() => loadConfig({ WORKER_NICE: '-5' }, cwd())).toThrow(/WORKER_NICE/);
  });
});
