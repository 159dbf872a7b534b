import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSweeper } from '../../src/modules/notifications/application/processing/mail-sweeper.js';
import { MailWorker } from '../../src/modules/notifications/application/processing/mail-worker.js';
import { MailDeliveryLog } from '../../src/modules/notifications/infrastructure/mail-delivery-log.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The mail worker's leases against a slow SMTP server: no mail goes out after its lease ran out, a worker
 * that was overtaken changes nothing, an attempt that never reached the server does not count, and the
 * sweeper adds no pile of jobs for deliveries that merely wait.
 */
describe('mail leases', () => {
  let app: TestApp;
  const LEASE_SECONDS = 5;

  beforeAll(async () => {
    app = await startTestApp({ env: { MAIL_LEASE_SECONDS: String(LEASE_SECONDS), MAIL_POOL_SIZE: '1', MAIL_SWEEP_INTERVAL_MS: '0', MAIL_RETRY_DELAY_MS: '60000' } });
  });
  afterAll(() => app?.close());

  const get = <T>(type: new (...args: never[]) => T) => app.running.app.get(type, { strict: false });
  /** Active users and one queued welcome delivery each (as the inbox leaves them, without a job). */
  const queuedDeliveries = async (prefix: string, count: number) => {
    const users = await app.sql<{ id: string; email: string }>(
      `insert into users (id, email, first_name, last_name, language, created_at, updated_at)
       select gen_random_uuid(), $1 || n || '@example.com', 'User' || n, 'Lease', 'en', now(), now() from generate_series(1, $2) as n
       returning id, email`,
      [prefix, count],
    );
    const eventId = randomUUID();
    return app.sql<{ id: string; recipient_email: string }>(
      `insert into mail_deliveries (id, event_id, template, recipient_user_id, recipient_email, language, params)
       select gen_random_uuid(), $1, 'welcome', u.id, u.email, 'en', '{"firstName":"Lease"}'
         from jsonb_to_recordset($2::jsonb) as u(id uuid, email text)
       returning id, recipient_email`,
      [eventId, JSON.stringify(users)],
    );
  };
  const rowsOf = (ids: string[]) =>
    app.sql<{ id: string; status: string; attempts: number }>(`select id, status, attempts from mail_deliveries where id = any($1::uuid[])`, [ids]);

  it('hands no mail to a slow server after its lease ran out; the ones not started do not count an attempt', async () => {
    const deliveries = await queuedDeliveries('slow', 5);
    const ids = deliveries.map((d) => d.id);
    app.mail.acceptDelayMs = 1500;
    const leaseEnds = Date.now() + LEASE_SECONDS * 1000;
    try {
      await expect(get(MailWorker).send(ids)).rejects.toThrow(/will be retried/);
    } finally {
      app.mail.acceptDelayMs = 0;
    }
    const received = app.mail.list().filter((m) => m.envelopeTo.some((to) => to.startsWith('slow')));
    // one connection, 1.5 s per mail, 80 % of a 5 s lease to start in: three go, the other two wait
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(received.length).toBeLessThan(5);
    for (const mail of received) expect(new Date(mail.receivedAt).getTime()).toBeLessThanOrEqual(leaseEnds);
    const rows = await rowsOf(ids);
    const sent = rows.filter((r) => r.status === 'sent');
    expect(sent).toHaveLength(received.length);
    expect(sent.every((r) => r.attempts === 1)).toBe(true);
    expect(rows.filter((r) => r.status !== 'sent').map((r) => [r.status, r.attempts])).toEqual(
      Array.from({ length: 5 - received.length }, () => ['queued', 0]),
    );
  });

  it('lets only the latest claim write: a worker overtaken after its lease ran out neither marks nor releases', async () => {
    const log = get(MailDeliveryLog);
    const [delivery] = await queuedDeliveries('fence', 1);
    const [first] = await log.claim([delivery.id], 60);
    expect(first.attempts).toBe(1);
    // the first worker's lease runs out; the sweeper takes it back and a second worker claims it
    await app.sql(`update mail_deliveries set lease_until = now() - interval '1 second' where id = $1`, [delivery.id]);
    expect(await log.sweep(60, 10)).toContainEqual({ id: delivery.id, attempts: 1, long_waiting: false });
    const [second] = await log.claim([delivery.id], 60);
    expect(second.attempts).toBe(2);

    await log.release([{ id: delivery.id, attempts: first.attempts, reason: 'stale', permanent: false }], 10);
    await log.markSent([{ id: delivery.id, attempts: first.attempts, response: '250 stale', messageId: '<stale>' }]);
    expect((await rowsOf([delivery.id]))[0]).toMatchObject({ status: 'sending', attempts: 2 });

    // the holder gives back an attempt that never started: queued again, not counted
    await log.release([{ id: delivery.id, attempts: second.attempts, reason: 'not started', permanent: false, started: false }], 2);
    expect((await rowsOf([delivery.id]))[0]).toMatchObject({ status: 'queued', attempts: 1 });
    // a mark of the claim the sweeper took back still lands (that mail went out): no second send
    await log.markSent([{ id: delivery.id, attempts: 1, response: '250 ok', messageId: '<late>' }]);
    expect((await rowsOf([delivery.id]))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('adds one job, not one per pass, for a delivery whose job waits behind a backlog', async () => {
    const queue = app.running.app.get<Queue>(getQueueToken('mail'), { strict: false });
    const [delivery] = await queuedDeliveries('backlog', 1);
    await queue.pause();
    try {
      for (let pass = 0; pass < 3; pass++) {
        await app.sql(`update mail_deliveries set updated_at = now() - interval '1 hour' where id = $1`, [delivery.id]);
        expect(await get(MailSweeper).sweepOnce()).toBeGreaterThanOrEqual(1);
      }
      const waiting = (await queue.getWaiting()).filter((job) => job.data.deliveryIds.includes(delivery.id));
      expect(waiting).toHaveLength(1);
    } finally {
      await queue.resume();
    }
    await app.mail.waitFor((m) => m.envelopeTo.includes(delivery.recipient_email));
  });

  it('replaces the remnant of a flushed job that holds a long-waiting delivery’s job id, and the mail goes out', async () => {
    const [delivery] = await queuedDeliveries('remnant', 1);
    // What a Redis flush can leave: the sweeper's job id taken by a hash without data, in no list.
    const redis = app.running.app.get<Queue>(getQueueToken('mail'), { strict: false }).client;
    await redis.hset(`${app.config.queuePrefix}:mail:again:${delivery.id}:0`, 'processedOn', String(Date.now()));
    await app.sql(`update mail_deliveries set updated_at = now() - interval '1 hour', created_at = now() - interval '1 day' where id = $1`, [delivery.id]);
    expect(await get(MailSweeper).sweepOnce()).toBeGreaterThanOrEqual(1);
    await app.mail.waitFor((m) => m.envelopeTo.includes(delivery.recipient_email));
    // Marked sent right after the server accepted it.
    await expect.poll(async () => (await rowsOf([delivery.id]))[0], { timeout: 10_000 }).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
