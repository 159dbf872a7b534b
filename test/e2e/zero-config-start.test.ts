import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config/app-config.js';
import { JsonLogger } from '#libs/logging/json-logger.js';
import { fallbackDataDirectory } from '#libs/runtime/embedded-postgres.js';
import { startApplication, type RunningApplication } from '../../src/bootstrap.js';
import { eventually, Http } from '../support/http.js';
import { deleteQueueKeys } from '../support/test-app.js';

/**
 * The start command's path with no configuration at all: embedded PostgreSQL initialised under the
 * data directory, Redis found or started, the built-in mail catcher, migrations, demo data.
 */
describe('start with no configuration', () => {
  // A 0700 directory, as `mktemp -d` makes it: as root, the cluster then lives under /var/tmp.
  const dataDir = mkdtempSync(join(tmpdir(), 'cit-zero-config-'));
  let running: RunningApplication;
  let http: Http;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', QUEUE_PREFIX: `cit_zero_${Date.now()}` }, process.cwd());
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    running = await startApplication(config, new JsonLogger('silent'));
    http = new Http(running.url!);
  });
  afterAll(async () => {
    await running?.close();
    if (running) await deleteQueueKeys(running.config.redisUrl!, running.config.queuePrefix);
    rmSync(dataDir, { recursive: true, force: true });
    if (process.getuid?.() === 0) rmSync(dirname(fallbackDataDirectory(join(dataDir, 'postgres'))), { recursive: true, force: true });
  });

  it('runs on an embedded PostgreSQL under the data directory and is ready', async () => {
    expect(running.config.databaseUrl).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/credential_import$/);
    expect(running.banner.join('\n')).toContain(`embedded PostgreSQL (${join(dataDir, 'postgres')}`);
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('gives one HTTP request time for the largest upload on a slow line, not Node\'s 300 s', () => {
    const server = running.app.getHttpServer() as import('node:http').Server;
    expect(server.requestTimeout).toBe(running.config.httpRequestTimeoutMs);
    expect(server.requestTimeout).toBeGreaterThanOrEqual(4_000_000); // 500 MiB at 128 KiB/s
    expect(server.headersTimeout).toBe(60_000);
  });

  it('prints a login that works, and the docs list the endpoints', async () => {
    expect(running.banner.join('\n')).toContain('admin@example.com / demo-password-1');
    const admin = await http.login('admin@example.com', 'demo-password-1');
    expect((await admin.get('/api/auth/me')).body.roles).toContain('platform-admin');
    const docs = await http.get('/api/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/users', '/api/users/{id}', '/health/ready']));
    expect((await http.get('/api/docs')).status).toBe(200);
  });

  it('catches mail in the built-in catcher and shows it through the API', async () => {
    const admin = await http.login('admin@example.com', 'demo-password-1');
    const mails = await eventually(async () => {
      const list = await admin.get('/api/dev/mails');
      return list.body.length > 0 ? list.body : undefined;
    });
    const welcome = await admin.get(`/api/dev/mails/${mails[0].id}`);
    expect(welcome.body.to.join()).toContain('admin@example.com');
    expect(welcome.body.text).toContain('Hello Ada');
    const learner = await http.login('lena@example.com', 'demo-password-1');
    expect((await learner.get('/api/dev/mails')).status).toBe(403);
  });
});
