import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { AppProcess, buildIfStale } from '../support/compiled-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { deleteQueueKeys } from '../support/test-app.js';

/** The compiled app as an operator runs it: how it fails to start, and how it stops. */
describe('start-up failures and shutdown of the compiled app', () => {
  const dirs: string[] = [];
  const processes: AppProcess[] = [];
  let database: TestDatabase;
  const queuePrefix = `cit_shutdown_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    buildIfStale();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await database?.drop();
    await deleteQueueKeys(inject('redisUrl'), queuePrefix);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cit-startup-'));
    chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
  const start = (env: Record<string, string>, via: 'node' | 'npm' = 'node') => {
    const app = new AppProcess({
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      QUEUE_PREFIX: queuePrefix,
      SEED_DEMO_DATA: 'false',
      PORT: '0',
      AUTH_TOKEN_SECRET: 'test-secret-that-is-long-enough-for-hmac-0123456789',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir(),
      ...env,
    }, via);
    processes.push(app);
    return app;
  };

  it('npm run start:prod hands a SIGTERM on to the app: no orphaned server keeps serving after npm exits', async () => {
    const app = start({}, 'npm');
    const url = await app.url();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    app.signal('SIGTERM'); // npm only, as a process manager does: the shell must not stand between npm and node
    await app.exited;
    const deadline = Date.now() + 20_000;
    let stillServing = true;
    while (stillServing && Date.now() < deadline) {
      stillServing = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
      if (stillServing) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stillServing).toBe(false);
  });

  it('the same SIGTERM delivered twice at once (process group and npm) is one request: a clean exit 0', async () => {
    const app = start({});
    await app.url();
    app.signal('SIGTERM');
    app.signal('SIGTERM');
    const { code } = await app.exited;
    expect(app.stderr).not.toContain('exiting now');
    expect(code).toBe(0);
  });

  it('a data directory of an older PostgreSQL ends the start with one message and a hint, no stack trace', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'postgres'));
    writeFileSync(join(dir, 'postgres', 'PG_VERSION'), '18\n');
    const app = new AppProcess({ PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'warn', QUEUE_PREFIX: queuePrefix });
    processes.push(app);
    const { code } = await app.exited;
    expect(code).toBe(1);
    expect(app.stderr).toContain('Start-up failed: The embedded PostgreSQL data directory');
    expect(app.stderr).toContain('created by PostgreSQL 18, but this version runs PostgreSQL 15');
    expect(app.stderr).toMatch(/^Hint: To start afresh, move it aside \(mv /m);
    expect(app.stderr).not.toMatch(/^\s+at /m);
    expect(app.stderr).not.toContain("Emitted 'error' event");
  });

  it('SIGTERM stops a running app cleanly with exit code 0', async () => {
    const app = start({});
    await app.url();
    app.signal('SIGTERM');
    expect((await app.exited).code).toBe(0);
  });

  it('SIGTERM while a request never finishes: the app exits non-zero at the shutdown deadline', async () => {
    const app = start({ SHUTDOWN_TIMEOUT_SECONDS: '2' });
    const url = new URL(await app.url());
    // An upload that stalls: headers and a little of the announced body, then nothing.
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n{"email":');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = Date.now();
    app.signal('SIGTERM');
    const { code } = await app.exited;
    socket.destroy();
    expect(code).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(app.stderr).toContain('Shutdown did not finish within 2 s');
  });
});
