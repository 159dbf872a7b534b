import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '#libs/outbox/outbox-relay.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Removes an event's job from Bull once no worker holds it (an active job cannot be removed). */
async function removeJob(events: Queue, id: string): Promise<void> {
  const job = await events.getJob(id);
  if (!job) return;
  await eventually(async () => ((await job.isActive()) ? undefined : true), 20_000);
  await job.remove();
}

/**
 * Redis keeps nothing the outbox cannot give again: an event relayed but never delivered (its job lost with a
 * flushed Redis) is queued again, and only delivered events are pruned, however long one waited.
 */
describe('outbox: delivery is recorded, lost jobs are queued again, only delivered rows are pruned', () => {
  let app: TestApp;
  let admin: Http;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await new Http(app.url).login('admin@example.com');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('records the delivery, and delivers again an event whose job Redis lost', async () => {
    const created = await admin.post('/api/users', { email: 'redelivered@example.com', firstName: 'Re', lastName: 'Delivered' });
    expect(created.status).toBe(201);
    // Every event of the new user is delivered and says so; the consumers took it once each.
    const delivered = await eventually(async () => {
      const rows = await app.sql<{ id: string; event_type: string; delivered_at: Date | null }>(
        `select o.id, o.event_type, o.delivered_at from outbox_messages o where o.payload::text like '%redelivered@example.com%'`,
      );
      return rows.length > 0 && rows.every((row) => row.delivered_at !== null) ? rows : undefined;
    }, 20_000);
    const withConsumers = await app.sql<{ event_id: string; consumer: string }>(`select event_id, consumer from processed_events where event_id = any($1::uuid[])`, [
      delivered.map((row) => row.id),
    ]);
    expect(withConsumers.length).toBeGreaterThan(0);

    // Redis loses the jobs before their delivery: the inbox forgets them, the rows are relayed twenty minutes ago
    // and undelivered, and their jobs are gone from Bull.
    const lost = [...new Set(withConsumers.map((row) => row.event_id))];
    const events = app.running.app.get<Queue>(getQueueToken('integration-events'), { strict: false });
    for (const id of lost) await removeJob(events, id);
    await app.sql(`delete from processed_events where event_id = any($1::uuid[])`, [lost]);
    await app.sql(`update outbox_messages set delivered_at = null, requeue_checked_at = null, dispatched_at = now() - interval '20 minutes' where id = any($1::uuid[])`, [lost]);

    const undelivered = async () => Number(/^cit_outbox_undelivered_messages (\d+)$/m.exec((await new Http(app.url).get('/metrics')).raw.toString())?.[1]);
    expect(await undelivered()).toBe(lost.length);

    const requeued = await app.running.app.get(OutboxRelay).requeueUndelivered();
    expect(requeued).toBe(lost.length);
    await eventually(async () => {
      const rows = await app.sql<{ delivered_at: Date | null }>(`select delivered_at from outbox_messages where id = any($1::uuid[])`, [lost]);
      return rows.every((row) => row.delivered_at !== null) || undefined;
    }, 20_000);
    const again = await app.sql<{ event_id: string; consumer: string }>(`select event_id, consumer from processed_events where event_id = any($1::uuid[]) order by 1, 2`, [lost]);
    expect(again).toEqual([...withConsumers].sort((a, b) => (a.event_id + a.consumer).localeCompare(b.event_id + b.consumer)));
    expect(await undelivered()).toBe(0);

    // Relayed within the last ten minutes (its job may still be waiting): not queued again.
    await app.sql(`update outbox_messages set delivered_at = null, requeue_checked_at = null, dispatched_at = now() - interval '5 minutes' where id = $1`, [lost[0]]);
    expect(await app.running.app.get(OutboxRelay).requeueUndelivered()).toBe(0);
    await app.sql(`update outbox_messages set delivered_at = now() where id = $1`, [lost[0]]);
  });

  it('leaves a job Bull still holds to Bull, marks one it completed delivered, and replaces one that failed its last attempt', async () => {
    const created = await admin.post('/api/users', { email: 'held-or-failed@example.com', firstName: 'Held', lastName: 'Failed' });
    expect(created.status).toBe(201);
    const consumed = await eventually(async () => {
      const rows = await app.sql<{ id: string }>(
        `select o.id from outbox_messages o where o.payload::text like '%held-or-failed@example.com%' and o.delivered_at is not null
            and exists (select 1 from processed_events p where p.event_id = o.id)`,
      );
      return rows.length > 0 ? rows.map((row) => row.id) : undefined;
    }, 20_000);
    const id = consumed[0];
    const events = app.running.app.get<Queue>(getQueueToken('integration-events'), { strict: false });
    const relay = app.running.app.get(OutboxRelay);
    const forget = async () => {
      await removeJob(events, id);
      await app.sql(`delete from processed_events where event_id = $1`, [id]);
      await app.sql(`update outbox_messages set delivered_at = null, requeue_checked_at = null, dispatched_at = now() - interval '20 minutes' where id = $1`, [id]);
    };
    const [row] = await app.sql<{ event_type: string; occurred_at: Date }>(`select event_type, occurred_at from outbox_messages where id = $1`, [id]);
    const job = { id, type: row.event_type, occurredAt: new Date(row.occurred_at).toISOString() };

    // Still waiting in Bull (this process takes no jobs for now): left alone, and delivered once the queue runs again.
    await forget();
    await events.pause(true);
    await events.add(job, { jobId: id, attempts: 1 });
    expect(await relay.requeueUndelivered()).toBe(0);
    await events.resume(true);
    await eventually(async () => (await app.sql<{ d: Date | null }>(`select delivered_at as d from outbox_messages where id = $1`, [id]))[0].d !== null || undefined, 20_000);

    // Completed by a worker that did not record deliveries (one from before they were recorded): its row is marked delivered.
    await forget();
    await events.add(job, { jobId: id, attempts: 1 });
    await eventually(async () => ((await (await events.getJob(id))?.isCompleted()) ? true : undefined), 20_000);
    await app.sql(`update outbox_messages set delivered_at = null where id = $1`, [id]);
    expect(await relay.requeueUndelivered()).toBe(0);
    expect((await app.sql<{ d: Date | null }>(`select delivered_at as d from outbox_messages where id = $1`, [id]))[0].d).not.toBeNull();

    // Failed its last attempt (here: its row was away when it ran): a new job with every attempt, delivered this time.
    await forget();
    const [saved] = await app.sql<{ payload: object }>(`select payload from outbox_messages where id = $1`, [id]);
    await app.sql(`delete from outbox_messages where id = $1`, [id]);
    await events.add(job, { jobId: id, attempts: 1 });
    await eventually(async () => ((await (await events.getJob(id))?.isFailed()) ? true : undefined), 20_000);
    await app.sql(
      `insert into outbox_messages (id, event_type, payload, occurred_at, dispatched_at) values ($1, $2, $3::json, $4, now() - interval '20 minutes')`,
      [id, row.event_type, JSON.stringify(saved.payload), row.occurred_at],
    );
    expect(await relay.requeueUndelivered()).toBe(1);
    await eventually(async () => (await app.sql<{ d: Date | null }>(`select delivered_at as d from outbox_messages where id = $1`, [id]))[0].d !== null || undefined, 20_000);
    expect((await app.sql(`select 1 from processed_events where event_id = $1`, [id])).length).toBeGreaterThan(0);
  });

  it('prunes rows delivered more than seven days ago, never an undelivered one however old', async () => {
    const payload = JSON.stringify({ test: 'outbox-prune' });
    await app.sql(
      `insert into outbox_messages (id, event_type, payload, occurred_at, dispatched_at, delivered_at) values
         (gen_random_uuid(), 'test.delivered-8-days-ago', $1::jsonb, now() - interval '9 days', now() - interval '9 days', now() - interval '8 days'),
         (gen_random_uuid(), 'test.delivered-6-days-ago', $1::jsonb, now() - interval '9 days', now() - interval '9 days', now() - interval '6 days'),
         (gen_random_uuid(), 'test.relayed-30-days-ago-undelivered', $1::jsonb, now() - interval '30 days', now() - interval '30 days', null)`,
      [payload],
    );
    const relay = app.running.app.get(OutboxRelay);
    expect(await relay.prune()).toBe(1);
    const left = await app.sql<{ event_type: string }>(`select event_type from outbox_messages where payload->>'test' = 'outbox-prune' order by 1`);
    expect(left.map((row) => row.event_type)).toEqual(['test.delivered-6-days-ago', 'test.relayed-30-days-ago-undelivered']);

    // The undelivered one is queued again; a type without subscribers is delivered at once, and pruned in its turn.
    expect(await relay.requeueUndelivered()).toBe(1);
    await eventually(async () => {
      const [row] = await app.sql<{ delivered_at: Date | null }>(`select delivered_at from outbox_messages where event_type = 'test.relayed-30-days-ago-undelivered'`);
      return row.delivered_at !== null || undefined;
    }, 20_000);
  });
});
