import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** ROLE=api and ROLE=worker as separate processes sharing PostgreSQL and Redis: how it scales out. */
describe('api and worker roles', () => {
  let api: TestApp;
  let worker: TestApp | undefined;
  const queuePrefix = `cit_roles_${Date.now()}`;

  beforeAll(async () => {
    api = await startTestApp({ env: { ROLE: 'api', QUEUE_PREFIX: queuePrefix } });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
  });

  it('the api queues background work that only a worker performs', async () => {
    const admin = await new Http(api.url).login('admin@example.com');
    const created = await admin.post('/api/users', { email: 'split@example.com', firstName: 'Split', lastName: 'Roles' });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(api.mail.list().some((m) => m.envelopeTo.includes('split@example.com'))).toBe(false);
    const [relayed] = await api.sql<{ pending: string }>(
      `select count(*) as pending from outbox_messages where dispatched_at is null and payload->>'email' = 'split@example.com'`,
    );
    expect(Number(relayed.pending)).toBe(0);

    worker = await startTestApp({ database: api.database, mailCatcher: api.mail, seed: false, env: { ROLE: 'worker', QUEUE_PREFIX: queuePrefix } });
    expect(worker.running.url).toBeUndefined();
    const mail = await api.mail.waitFor((m) => m.envelopeTo.includes('split@example.com'));
    expect(mail.subject).toContain('Credential Import');
  });
});
