import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { REDIS } from '#libs/redis/redis.module.js';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';

/** Metrics, the queue dashboard and readiness without raw errors, through HTTP against the real app. */
describe('operations: metrics, queue dashboard, readiness', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;

  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_TOKEN } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a scrape without the metrics token, or with a wrong one', async () => {
    const anonymous = await http.get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(anonymous.body.code).toBe('OPS.METRICS_REFUSED');
    expect((await http.as('metrics-token-for-the-test-WRONG-WRONG').get('/metrics')).status).toBe(401);
    // A user's access token is not the metrics token either.
    expect((await admin.get('/metrics')).status).toBe(401);
  });

  it('shows import rows by outcome, queue depth, job latency, outbox lag, dead letters, mail and HTTP latency', async () => {
    const id = await startImport(
      admin,
      'obtained-certificates',
      'metrics.csv',
      csv(CERTIFICATE_HEADER, [
        ['L-1001', 'VCA-BASIS', '01-01-2025', null, null, true],
        ['L-1002', 'NOPE', '01-01-2025', null, null, true],
      ]),
    );
    const done = await finished(admin, id);
    expect(done.status).toBe('completed_with_errors');
    await admin.post('/api/users', { email: 'metrics-mail@example.com', firstName: 'M', lastName: 'Etrics' });
    await app.mail.waitFor((m) => m.envelopeTo.includes('metrics-mail@example.com'));

    const scrape = await http.as(METRICS_TOKEN).get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = String(scrape.body);
    expect(text).toMatch(/cit_import_rows_total\{type="obtained-certificates",outcome="succeeded",mode="run"\} 1/);
    expect(text).toMatch(/cit_import_rows_total\{type="obtained-certificates",outcome="failed",mode="run"\} 1/);
    // No gauge of the last chunk's rate: parallel chunks overwrote each other; rate() of the counter is the number.
    expect(text).not.toContain('cit_import_rows_per_second');
    expect(text).toMatch(/cit_queue_jobs\{queue="imports",state="waiting"\} \d+/);
    expect(text).toMatch(/cit_queue_jobs\{queue="integration-events",state="failed"\} \d+/);
    expect(text).toMatch(/cit_queue_job_duration_seconds_count\{queue="imports",result="completed"\} [1-9]/);
    expect(text).toMatch(/cit_outbox_pending_messages \d+/);
    expect(text).toMatch(/cit_outbox_lag_seconds [\d.]+/);
    expect(text).toMatch(/cit_outbox_undelivered_messages 0/);
    expect(text).toMatch(/cit_dead_letters 0/);
    expect(text).toMatch(/cit_mail_deliveries_total\{status="sent"\} [1-9]/);
    expect(text).toMatch(/cit_http_request_duration_seconds_count\{method="POST",route="\/api\/imports",status="202"\} 1/);
    expect(text).toMatch(/cit_http_request_duration_seconds_bucket\{le="[\d.]+",method="GET",route="\/api\/imports\/:id",status="200"\}/);
  });

  it('opens the queue dashboard only for a platform admin, through a short-lived HttpOnly cookie', async () => {
    // anonymous: no session, no dashboard
    expect((await http.post('/api/ops/queue-dashboard/session')).status).toBe(401);
    const page = await fetch(`${app.url}/admin/queues`);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toContain('application/problem+json');
    // a forged or tampered cookie
    expect((await fetch(`${app.url}/admin/queues`, { headers: { cookie: 'cit_queue_dashboard=00000000-0000-0000-0000-000000000000.9999999999.AAAA' } })).status).toBe(401);

    // a group admin may not open it
    const groupAdmin = await http.login('groupadmin@example.com');
    const refused = await groupAdmin.post('/api/ops/queue-dashboard/session');
    expect(refused.status).toBe(403);
    expect(refused.body.params).toEqual({ permission: 'operations.manage' });
    expect(refused.headers.get('set-cookie')).toBeNull();

    // a platform admin gets the cookie, and the dashboard with its queues
    const opened = await admin.post('/api/ops/queue-dashboard/session');
    expect(opened.status).toBe(200);
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^cit_queue_dashboard=[^;]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(';')[0];
    const dashboard = await fetch(`${app.url}/admin/queues`, { headers: { cookie: session } });
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    expect(html).toContain('<div id="root">');
    expect(dashboard.headers.get('content-security-policy')).toContain("script-src 'self'");
    // its scripts are same-origin files behind the same cookie (the CSP allows them; no inline script runs)
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const url = new URL(src, `${app.url}/admin/queues/`);
      expect(url.origin).toBe(new URL(app.url).origin);
      expect((await fetch(url, { headers: { cookie: session } })).status, src).toBe(200);
      expect((await fetch(url)).status, src).toBe(401);
    }
    expect([...html.matchAll(/<script(?![^>]*\ssrc=)(?![^>]*type="application\/json")[^>]*>/g)]).toEqual([]);
    const queues = await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: session } });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['imports', 'integration-events', 'mail']);

    // the cookie of a platform admin stops working once they lose the permission
    const [adminUser] = await app.sql<{ id: string }>(`select id from users where email = 'admin@example.com'`);
    await app.sql(`update user_roles set role_id = (select id from roles where key = 'learner') where user_id = $1`, [adminUser.id]);
    try {
      expect((await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: session } })).status).toBe(403);
    } finally {
      await app.sql(`update user_roles set role_id = (select id from roles where key = 'platform-admin') where user_id = $1`, [adminUser.id]);
    }
  });

  it('a password change ends a queue dashboard cookie opened before it', async () => {
    const session = await http.login('admin@example.com');
    const opened = await session.post('/api/ops/queue-dashboard/session');
    expect(opened.status).toBe(200);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
    const changed = await session.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'admin-new-password-1' });
    expect(changed.status).toBe(200);
    // Within its 15 minutes, a stolen cookie no longer opens the dashboard.
    const refused = await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('OPS.DASHBOARD_SESSION_REQUIRED');
    // A cookie opened after the change works.
    admin = http.as(changed.body.accessToken);
    const reopened = await admin.post('/api/ops/queue-dashboard/session');
    const fresh = reopened.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: fresh } })).status).toBe(200);
  });

  it('answers readiness with a reason code, never the dependency error itself', async () => {
    const ok = await http.get('/health/ready');
    expect(ok.status).toBe(200);
    expect(ok.body.checks.redis).toMatchObject({ status: 'up' });

    const redis = app.running.app.get<Redis>(REDIS);
    const ping = redis.ping.bind(redis);
    const leaking = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379 (redis://cit:hunter2@10.1.2.3:6379)'), { code: 'ECONNREFUSED' });
    (redis as unknown as { ping: () => Promise<never> }).ping = () => Promise.reject(leaking);
    try {
      const down = await http.get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body.checks.redis).toEqual({ status: 'down', reason: 'UNREACHABLE' });
      expect(down.body.checks.database.status).toBe('up');
      expect(down.raw.toString()).not.toMatch(/hunter2|10\.1\.2\.3|ECONNREFUSED/);
    } finally {
      (redis as unknown as { ping: typeof ping }).ping = ping;
    }
  });
});
