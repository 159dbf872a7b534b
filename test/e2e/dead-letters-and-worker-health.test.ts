import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WelcomeMailRequested } from '#libs/contracts/users/index.js';
import { findFreePort } from '#libs/runtime/free-port.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';
import { InboxPruner } from '#libs/outbox/inbox-pruner.js';
import { WorkerHealthServer } from '../../src/platform/ops/worker-health.server.js';
import { WorkerHeartbeat } from '../../src/platform/ops/worker-heartbeat.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * An event whose consumer fails every attempt ends in the dead-letter table; after the cause is fixed,
 * a retry through REST delivers it once. The failure is real: the table the welcome mail's consumer
 * writes its delivery to is gone (and the SMTP server is down, which only delays the mail itself).
 */
describe('dead letters', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  const smtp = new MailCatcher();

  beforeAll(async () => {
    smtp.port = await findFreePort(); // nothing listens there yet: every mail fails
    app = await startTestApp({ mailCatcher: smtp, env: { EVENT_MAX_ATTEMPTS: '2' } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop().catch(() => {});
  });

  it('keeps an event that failed every attempt, and a retry after the fix processes it once', async () => {
    await app.sql(`alter table mail_deliveries rename to mail_deliveries_away`);
    const created = await admin.post('/api/users', { email: 'dead-letter@example.com', firstName: 'Dee', lastName: 'Letter' });
    expect(created.status).toBe(201);

    const dead = await eventually(async () => {
      const list = await admin.get('/api/ops/dead-letters');
      return list.body.items.find((item: { payload: { email?: string } }) => item.payload.email === 'dead-letter@example.com');
    }, 20_000);
    expect(dead).toMatchObject({ consumer: 'notifications.welcome-mail-requested', eventType: expect.any(String), attempts: 2, status: 'dead' });
    expect(dead.lastError).toMatch(/mail_deliveries/);
    const [inbox] = await app.sql<{ count: string }>(`select count(*) from processed_events where event_id = $1 and consumer = 'notifications.welcome-mail-requested'`, [dead.eventId]);
    expect(Number(inbox.count)).toBe(0);

    // only platform admins see or retry dead letters
    const groupAdmin = await http.login('groupadmin@example.com');
    expect((await groupAdmin.get('/api/ops/dead-letters')).status).toBe(403);
    expect((await groupAdmin.post(`/api/ops/dead-letters/${dead.id}/retry`)).status).toBe(403);
    expect((await http.get('/api/ops/dead-letters')).status).toBe(401);

    // fix the cause: the table is back and the SMTP server comes up; then retry through REST
    await app.sql(`alter table mail_deliveries_away rename to mail_deliveries`);
    await smtp.start(smtp.port);
    const retried = await admin.post(`/api/ops/dead-letters/${dead.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: dead.id, status: 'retried', retryCount: 1 });
    await smtp.waitFor((m) => m.envelopeTo.includes('dead-letter@example.com'));

    // a second retry of the same dead letter is refused; the event is in the inbox once, one mail was sent
    const again = await admin.post(`/api/ops/dead-letters/${dead.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('OPS.DEAD_LETTER_ALREADY_RETRIED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.list().filter((m) => m.envelopeTo.includes('dead-letter@example.com'))).toHaveLength(1);
    const [processed] = await app.sql<{ count: string }>(`select count(*) from processed_events where event_id = $1 and consumer = 'notifications.welcome-mail-requested'`, [dead.eventId]);
    expect(Number(processed.count)).toBe(1);
    // (other events that failed meanwhile stay dead until someone retries them)
    const stillDead = (await admin.get('/api/ops/dead-letters')).body.items as { id: string }[];
    expect(stillDead.map((item) => item.id)).not.toContain(dead.id);
    expect((await admin.get('/api/ops/dead-letters?status=retried')).body.items.map((item: { id: string }) => item.id)).toEqual([dead.id]);
    expect((await admin.post('/api/ops/dead-letters/not-a-uuid/retry')).status).toBe(404);
  });

  it('gives up at once on a queued event whose outbox row is gone: one failed attempt, no retry, no dead letter', async () => {
    const events = app.running.app.get<Queue>(getQueueToken('integration-events'), { strict: false });
    const id = randomUUID();
    // As the relay queues it (id, type, time; the payload stays in the outbox), for a row pruned meanwhile.
    await events.add({ id, type: WelcomeMailRequested.type, occurredAt: new Date().toISOString() }, { jobId: id, attempts: 2, backoff: 1 });
    const job = await eventually(async () => {
      const found = await events.getJob(id);
      return found && (await found.isFailed()) ? found : undefined;
    }, 20_000);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/no longer in the outbox/);
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    expect(await (await events.getJob(id))!.isFailed()).toBe(true);
    const letters = await app.sql<{ count: string }>(`select count(*) from dead_letters where event_id = $1`, [id]);
    expect(Number(letters[0].count)).toBe(0);
  });

  it('prunes inbox rows older than the retention period, and keeps newer ones', async () => {
    await app.sql(
      `insert into processed_events (consumer, event_id, processed_at) values
         ('test.old', gen_random_uuid(), now() - interval '31 days'), ('test.new', gen_random_uuid(), now() - interval '29 days')`,
    );
    const deleted = await app.running.app.get(InboxPruner).pruneOnce();
    expect(deleted).toBe(1);
    const left = await app.sql<{ consumer: string }>(`select consumer from processed_events where consumer like 'test.%'`);
    expect(left.map((r) => r.consumer)).toEqual(['test.new']);
  });
});

/** A worker process (ROLE=worker) answers readiness on HEALTH_PORT from its queue connection and heartbeat. */
describe('worker health', () => {
  let api: TestApp;
  let worker: TestApp;
  const queuePrefix = `cit_whealth_${Date.now()}`;

  beforeAll(async () => {
    api = await startTestApp({ env: { ROLE: 'api', QUEUE_PREFIX: queuePrefix } });
    worker = await startTestApp({
      database: api.database,
      mailCatcher: api.mail,
      seed: false,
      env: { ROLE: 'worker', QUEUE_PREFIX: queuePrefix, HEALTH_PORT: '0', WORKER_HEARTBEAT_INTERVAL_MS: '200' },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
  });

  it('is ready while its queue connection works and its heartbeat is fresh, and says why not otherwise', async () => {
    const port = worker.running.app.get(WorkerHealthServer).port;
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as any;
    expect(body.checks).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' }, queue: { status: 'up' }, heartbeat: { status: 'up' } });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    // the API's readiness lists the worker by its heartbeat
    const apiReady = await new Http(api.url).get('/health/ready');
    expect(apiReady.body.workers).toEqual({ alive: 1 });

    // a stalled worker (no heartbeat for three intervals) is not ready, and drops out of the API's list
    const heartbeat = worker.running.app.get(WorkerHeartbeat);
    heartbeat.pause(true);
    const stale = await eventually(async () => {
      const response = await fetch(`${base}/health/ready`);
      return response.status === 503 ? ((await response.json()) as any) : undefined;
    }, 5000);
    expect(stale.checks.heartbeat).toMatchObject({ status: 'down', reason: 'HEARTBEAT_STALE' });
    await eventually(async () => (await new Http(api.url).get('/health/ready')).body.workers?.alive === 0, 5000);
    heartbeat.pause(false);
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200, 5000);

    // a worker whose queue connection fails is not ready either
    const queue = heartbeat['queues'].all()[0];
    const ping = queue.client.ping.bind(queue.client);
    (queue.client as unknown as { ping: () => Promise<never> }).ping = () => Promise.reject(Object.assign(new Error('Connection is closed.'), {}));
    try {
      const down = await fetch(`${base}/health/ready`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as any).checks.queue).toEqual({ status: 'down', reason: 'UNREACHABLE' });
    } finally {
      (queue.client as unknown as { ping: typeof ping }).ping = ping;
    }
  });

  it("serves the worker's metrics on the same listener, only to a direct loopback request without a token configured", async () => {
    const base = `http://127.0.0.1:${worker.running.app.get(WorkerHealthServer).port}`;
    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('cit_queue_jobs');
    expect((await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
    // the API's /metrics follows the same rule
    expect((await fetch(`${api.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${api.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
  });
});
