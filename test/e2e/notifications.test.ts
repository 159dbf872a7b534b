import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrationEventDispatcher } from '#libs/outbox/integration-event-dispatcher.js';
import { MailSweeper } from '../../src/modules/notifications/application/processing/mail-sweeper.js';
import { csv } from '../support/files.js';
import { eventually, Http } from '../support/http.js';
import { finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Delivery {
  id: string;
  eventId: string;
  template: string;
  recipientUserId: string;
  recipientEmail: string;
  language: string;
  status: string;
  attempts: number;
  smtpResponse: string | null;
  messageId: string | null;
  failureReason: string | null;
  sentAt: string | null;
}

/**
 * Templated mail over real SMTP (the test app's MailCatcher), the delivery log and its REST view, and
 * exactly one mail per (event, recipient, template) across a redelivered event, a job run again and an
 * SMTP server restarted in the middle of a batch. In-app notifications: unread count and read-all.
 */
describe('notifications', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;
  let groups: { id: string; name: string }[];

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_TEST_TYPES: 'true', MAIL_RETRY_DELAY_MS: '300', MAIL_POOL_SIZE: '3', MAIL_BATCH_SIZE: '25', MAIL_SWEEP_INTERVAL_MS: '0' } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    groups = (await admin.get('/api/groups')).body;
  });
  afterAll(() => app?.close());

  const group = (name: string) => groups.find((g) => g.name === name)!.id;
  const deliveriesTo = (email: string) =>
    app.sql<{ id: string; status: string; attempts: number; smtp_response: string | null; message_id: string | null; template: string; event_id: string }>(
      `select * from mail_deliveries where recipient_email = $1 order by created_at`,
      [email],
    );
  /** Inserts users straight into the database (fast), active, in no group. */
  const insertUsers = async (prefix: string, count: number, language = 'en') =>
    app.sql<{ id: string; email: string; first_name: string; language: string }>(
      `insert into users (id, email, first_name, last_name, language, created_at, updated_at)
       select gen_random_uuid(), $1 || n || '@example.com', 'User' || n, 'Bulk', $2, now(), now() from generate_series(1, $3) as n
       returning id, email, first_name, language`,
      [prefix, language, count],
    );
  /** Records an event in the outbox as another module would (a batch shares one event id, as an import chunk's do). */
  const recordEvent = async (type: string, payloads: object[]) => {
    const id = randomUUID();
    await app.sql(`insert into outbox_messages (id, event_type, payload, occurred_at) values ($1, $2, $3::jsonb, now())`, [
      id,
      type,
      JSON.stringify(payloads.length === 1 ? payloads[0] : { $batch: payloads }),
    ]);
    return id;
  };
  const mailQueue = () => app.running.app.get<Queue>(getQueueToken('mail'), { strict: false });
  const queueIdle = async () => {
    await eventually(async () => {
      const counts = await mailQueue().getJobCounts();
      return counts.waiting + counts.active + counts.delayed === 0;
    }, 30_000);
  };

  it('sends the welcome mail from the template in the user\'s language, with a set-password link and escaped HTML', async () => {
    const created = await admin.post('/api/users', { email: 'kim@example.com', firstName: 'Kim <b>&</b>', lastName: 'Test', language: 'nl', groupIds: [group('Operations')] });
    expect(created.status).toBe(201);
    const mail = await app.mail.waitFor((m) => m.envelopeTo.includes('kim@example.com'));
    expect(mail.subject).toBe('Je account voor Credential Import');
    expect(mail.text).toContain('Hallo Kim <b>&</b>,');
    expect(mail.text).toMatch(/Kies je wachtwoord via deze link \(hij werkt één keer, tot .+ UTC\):\r?\nhttp:\/\/\S+\/account\/set-password\?token=\S+/);
    expect(mail.html).toContain('<p>Hallo Kim &lt;b&gt;&amp;&lt;/b&gt;,</p>');
    expect(mail.html).toMatch(/<a href="http:\/\/[^"]+\/account\/set-password\?token=[^"]+">Kies je wachtwoord<\/a>/);
    const token = /token=([^\s&"]+)/.exec(mail.text!)![1]!;
    expect(mail.html).toContain(token);
    // the token lives only in the mail: not in the log, not in the event
    expect(JSON.stringify(await app.sql(`select * from mail_deliveries where recipient_email = 'kim@example.com'`))).not.toContain(decodeURIComponent(token));
    expect(JSON.stringify(await app.sql(`select payload from outbox_messages`))).not.toContain(decodeURIComponent(token));

    const [delivery] = await eventually(async () => {
      const rows = await deliveriesTo('kim@example.com');
      return rows[0]?.status === 'sent' ? rows : undefined;
    });
    expect(delivery).toMatchObject({ template: 'welcome', attempts: 1, message_id: `<${delivery.id}@credential-import>` });
    expect(delivery.smtp_response).toMatch(/^250/);
    expect(mail.headers['message-id']).toBe(`<${delivery.id}@credential-import>`);
  });

  it('sends the English template to an English user, a password reset link, and the password-changed mail from files', async () => {
    await admin.post('/api/users', { email: 'ella@example.com', firstName: 'Ella', lastName: 'English', language: 'en', groupIds: [group('Sales')] });
    const welcome = await app.mail.waitFor((m) => m.envelopeTo.includes('ella@example.com'));
    expect(welcome.subject).toBe('Your account for Credential Import');
    expect(welcome.text).toContain('Hello Ella,');
    expect(welcome.html).toContain('lang="en"');

    const [lucy] = await app.sql<{ id: string }>(`select id from users where email = 'lucy@example.com'`);
    await recordEvent('users.password-reset-requested.v1', [{ userId: lucy.id, email: 'lucy@example.com', firstName: 'Lucy', language: 'en', requestedAt: new Date().toISOString() }]);
    const reset = await app.mail.waitFor((m) => m.envelopeTo.includes('lucy@example.com') && m.subject.includes('Reset'));
    expect(reset.subject).toBe('Reset your password for Credential Import');
    expect(reset.text).toMatch(/\/account\/set-password\?token=\S+/);

    const [liam] = await app.sql<{ id: string }>(`select id from users where email = 'liam@example.com'`);
    await recordEvent('users.password-changed.v1', [{ userId: liam.id, email: 'liam@example.com', firstName: 'Liam', language: 'nl', changedAt: '2026-11-30T10:15:00.000Z', apiTokensRevoked: 0 }]);
    const changed = await app.mail.waitFor((m) => m.envelopeTo.includes('liam@example.com'));
    expect(changed.subject).toBe('Je wachtwoord voor Credential Import is gewijzigd');
    expect(changed.text).toContain('(30 november 2026 om 10:15 UTC)');
    expect(changed.html).toContain('<strong>liam@example.com</strong>');
  });

  it('logs a failed delivery, without retrying, when the recipient is no longer active', async () => {
    const [gone] = await insertUsers('gone', 1);
    await app.sql(`update users set status = 'deleted' where id = $1`, [gone.id]);
    await recordEvent('users.welcome-mail-requested.v1', [{ userId: gone.id, email: gone.email, firstName: 'Gone', language: 'en', requestedBy: null, importId: null }]);
    const [row] = await eventually(async () => {
      const rows = await deliveriesTo(gone.email);
      return rows[0]?.status === 'failed' ? rows : undefined;
    });
    expect(row.attempts).toBe(1);
    expect(app.mail.countFor(gone.email)).toBe(0);
  });

  it('logs a mail the server refuses (5xx) as failed with its answer, without retrying it, and sends the rest of the batch', async () => {
    const users = await insertUsers('bounce', 6);
    const refused = users[2]!.email;
    app.mail.rejectRecipient = (address) => address === refused;
    try {
      const eventId = await recordEvent(
        'users.welcome-mail-requested.v1',
        users.map((u) => ({ userId: u.id, email: u.email, firstName: u.first_name, language: u.language, requestedBy: null, importId: null })),
      );
      const rows = await eventually(async () => {
        const result = await app.sql<{ recipient_email: string; status: string; attempts: number; failure_reason: string | null }>(
          `select recipient_email, status, attempts, failure_reason from mail_deliveries where event_id = $1`,
          [eventId],
        );
        return result.length === 6 && result.every((r) => r.status === 'sent' || r.status === 'failed') ? result : undefined;
      });
      const failed = rows.find((r) => r.recipient_email === refused)!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.failure_reason).toMatch(/550.*mailbox unavailable/);
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(5);
      for (const user of users) expect(app.mail.countFor(user.email)).toBe(user.email === refused ? 0 : 1);
    } finally {
      app.mail.rejectRecipient = () => false;
    }
  });

  it('lists the delivery log to those allowed, within their scope, with filters and pages', async () => {
    await eventually(async () => (await deliveriesTo('ella@example.com'))[0]?.status === 'sent');
    const all = await admin.get<{ items: Delivery[]; meta: { total: number } }>('/api/notifications/deliveries?pageSize=500');
    expect(all.status).toBe(200);
    const emails = all.body.items.map((d) => d.recipientEmail);
    expect(emails).toEqual(expect.arrayContaining(['kim@example.com', 'ella@example.com', 'admin@example.com']));
    const kim = all.body.items.find((d) => d.recipientEmail === 'kim@example.com')!;
    expect(kim).toMatchObject({ template: 'welcome', language: 'nl', status: 'sent', attempts: 1, failureReason: null });
    expect(kim.smtpResponse).toMatch(/^250/);
    expect(Object.keys(kim)).not.toContain('params');

    // a group admin of Operations sees Kim (in Operations), not Ella (Sales) nor the platform admin
    const scoped = await groupAdmin.get<{ items: Delivery[] }>('/api/notifications/deliveries?pageSize=500');
    expect(scoped.status).toBe(200);
    const scopedEmails = scoped.body.items.map((d) => d.recipientEmail);
    expect(scopedEmails).toContain('kim@example.com');
    expect(scopedEmails).not.toContain('ella@example.com');
    expect(scopedEmails).not.toContain('admin@example.com');
    expect((await groupAdmin.get('/api/notifications/deliveries?recipient=ella@example.com')).body.items).toEqual([]);

    // filters
    const byRecipient = await admin.get<{ items: Delivery[] }>('/api/notifications/deliveries?recipient=ELLA@example.com');
    expect(byRecipient.body.items.map((d) => d.recipientEmail)).toEqual(['ella@example.com']);
    const failed = await admin.get<{ items: Delivery[] }>('/api/notifications/deliveries?status=failed');
    expect(failed.body.items.length).toBeGreaterThan(0);
    expect(failed.body.items.every((d) => d.status === 'failed')).toBe(true);
    const changed = await admin.get<{ items: Delivery[] }>('/api/notifications/deliveries?template=password-changed');
    expect(changed.body.items.map((d) => d.recipientEmail)).toEqual(['liam@example.com']);
    expect((await admin.get('/api/notifications/deliveries?since=2999-01-01T00:00:00Z')).body.items).toEqual([]);
    const page = await admin.get<{ items: Delivery[]; meta: { total: number; page: number; pageSize: number } }>('/api/notifications/deliveries?pageSize=2&page=2');
    expect(page.body.items).toHaveLength(2);
    expect(page.body.meta).toMatchObject({ page: 2, pageSize: 2, total: all.body.meta.total });
    expect((await admin.get('/api/notifications/deliveries?status=lost')).status).toBe(400);

    // a learner has no permission; anonymous callers are not signed in
    const learner = await http.login('lena@example.com');
    expect((await learner.get('/api/notifications/deliveries')).status).toBe(403);
    expect((await http.get('/api/notifications/deliveries')).status).toBe(401);
  });

  it('sends every recipient exactly one mail when the SMTP server restarts in the middle of a batch', async () => {
    const users = await insertUsers('restart', 300, 'nl');
    const halfway = app.mail.received + 60;
    const stopped = app.mail.waitFor(() => app.mail.received >= halfway, 30_000).then(() => app.mail.restart(1500));
    await recordEvent(
      'users.welcome-mail-requested.v1',
      users.map((u) => ({ userId: u.id, email: u.email, firstName: u.first_name, language: u.language, requestedBy: null, importId: null })),
    );
    await stopped;
    const rows = await eventually(async () => {
      const result = await app.sql<{ status: string; attempts: number; email: string }>(
        `select status, attempts, recipient_email as email from mail_deliveries where recipient_email like 'restart%'`,
      );
      return result.length === 300 && result.every((r) => r.status === 'sent') ? result : undefined;
    }, 60_000);
    // the restart did interrupt sending: some deliveries needed a second attempt
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    for (const user of users) expect(app.mail.countFor(user.email), user.email).toBe(1);
  }, 90_000);

  it('sends nothing again when the event is delivered again or the jobs run again', async () => {
    const users = await insertUsers('again', 30);
    const eventId = await recordEvent(
      'users.welcome-mail-requested.v1',
      users.map((u) => ({ userId: u.id, email: u.email, firstName: u.first_name, language: u.language, requestedBy: null, importId: null })),
    );
    await eventually(async () => {
      const [row] = await app.sql<{ sent: string }>(`select count(*) as sent from mail_deliveries where event_id = $1 and status = 'sent'`, [eventId]);
      return Number(row.sent) === 30;
    }, 30_000);

    // the event again, past the inbox: the log's unique key keeps it to one delivery per user
    const [message] = await app.sql<{ payload: object; occurred_at: Date }>(`select payload, occurred_at from outbox_messages where id = $1`, [eventId]);
    await app.sql(`delete from processed_events where event_id = $1`, [eventId]);
    const dispatcher = app.running.app.get(IntegrationEventDispatcher, { strict: false });
    await dispatcher.deliver({ id: eventId, type: 'users.welcome-mail-requested.v1', occurredAt: new Date(message.occurred_at).toISOString(), payload: message.payload });
    const [count] = await app.sql<{ n: string }>(`select count(*) as n from mail_deliveries where event_id = $1`, [eventId]);
    expect(Number(count.n)).toBe(30);

    // every job again (a retry, a duplicate from the sweeper): sent deliveries are skipped
    const ids = (await app.sql<{ id: string }>(`select id from mail_deliveries where event_id = $1`, [eventId])).map((r) => r.id);
    await mailQueue().addBulk([{ data: { deliveryIds: ids.slice(0, 15) } }, { data: { deliveryIds: ids.slice(15) } }, { data: { deliveryIds: ids } }]);
    await queueIdle();
    for (const user of users) expect(app.mail.countFor(user.email)).toBe(1);
    const attempts = await app.sql<{ attempts: number }>(`select attempts from mail_deliveries where event_id = $1`, [eventId]);
    expect(attempts.every((a) => a.attempts === 1)).toBe(true);
  });

  it('enqueues deliveries again whose job was lost, and takes back ones whose worker died while sending', async () => {
    const users = await insertUsers('lost', 3);
    const eventId = randomUUID();
    // as a crash would leave them: one queued without a job, one 'sending' whose lease ran out
    await app.sql(
      `insert into mail_deliveries (id, event_id, template, recipient_user_id, recipient_email, language, params, status, attempts, lease_until, updated_at)
       values (gen_random_uuid(), $1, 'welcome', $2, $3, 'en', '{"firstName":"Lost"}', 'queued', 0, null, now() - interval '1 hour'),
              (gen_random_uuid(), $1, 'welcome', $4, $5, 'en', '{"firstName":"Lost"}', 'sending', 1, now() - interval '1 second', now() - interval '5 minutes'),
              (gen_random_uuid(), $1, 'welcome', $6, $7, 'en', '{"firstName":"Lost"}', 'sending', 10, now() - interval '1 second', now() - interval '5 minutes')`,
      [eventId, users[0].id, users[0].email, users[1].id, users[1].email, users[2].id, users[2].email],
    );
    // the third used its last attempt (MAIL_MAX_ATTEMPTS, 10) when its worker died: it is given up, not sent
    expect(await app.running.app.get(MailSweeper, { strict: false }).sweepOnce()).toBe(2);
    for (const user of users.slice(0, 2)) await app.mail.waitFor((m) => m.envelopeTo.includes(user.email));
    const rows = await eventually(async () => {
      const result = await app.sql<{ attempts: number; status: string; failure_reason: string | null }>(
        `select attempts, status, failure_reason from mail_deliveries where event_id = $1 order by attempts`,
        [eventId],
      );
      return result.every((r) => r.status === 'sent' || r.status === 'failed') ? result : undefined;
    });
    expect(rows.map((r) => [r.attempts, r.status])).toEqual([[1, 'sent'], [2, 'sent'], [10, 'failed']]);
    expect(rows[2]!.failure_reason).toMatch(/gave up/);
    expect(app.mail.countFor(users[2]!.email)).toBe(0);
  });

  it('mails the starter of an import its counts and a link to the log, and notifies them in the app', async () => {
    const before = (await admin.get('/api/notifications/unread-count')).body.unread as number;
    const id = await startImport(admin, 'test-records', 'records <1>.csv', csv(['Code', 'Name', 'Amount'], [['A1', 'One', '5'], ['A2', 'Two', '6'], ['A3', 'Three', 'seven']]));
    const run = await finished(admin, id);
    expect(run.status).toBe('completed_with_errors');
    const mail = await app.mail.waitFor((m) => m.envelopeTo.includes('admin@example.com') && m.subject.startsWith('Import of'), 20_000);
    expect(mail.subject).toBe('Import of records <1>.csv: finished with errors');
    expect(mail.text!.replace(/\r\n/g, '\n')).toContain('Rows: 3\nSucceeded: 2\nFailed: 1\nSkipped: 0');
    expect(mail.text).toContain(`/api/imports/${id}/rows`);
    expect(mail.html).toContain('<strong>records &lt;1&gt;.csv</strong>');
    expect(mail.html).toMatch(new RegExp(`<a href="http://[^"]+/api/imports/${id}/rows">Open the import log</a>`));

    const notifications = await eventually(async () => {
      const list = (await admin.get('/api/notifications?filter=unread')).body as { kind: string; link: string; title: string }[];
      return list.find((n) => n.link === `/api/imports/${id}`) ? list : undefined;
    });
    expect(notifications[0]).toMatchObject({ kind: 'import-completed', title: expect.stringContaining('records <1>.csv') });
    expect((await admin.get('/api/notifications/unread-count')).body.unread).toBe(before + 1);
  });

  it('counts unread notifications and marks them all read, only the caller\'s', async () => {
    const [lena] = await app.sql<{ id: string }>(`select id from users where email = 'lena@example.com'`);
    await app.sql(`insert into in_app_notifications (id, user_id, kind, title_key, params, link) values (gen_random_uuid(), $1, 'import-completed', 'NOTIFICATIONS.IMPORT_FAILED', '{"fileName":"x.csv"}', null)`, [lena.id]);
    const learner = await http.login('lena@example.com');
    expect((await learner.get('/api/notifications/unread-count')).body).toEqual({ unread: 1 });

    const unread = (await admin.get('/api/notifications/unread-count')).body.unread as number;
    expect(unread).toBeGreaterThan(0);
    const marked = await admin.post('/api/notifications/read-all');
    expect(marked.status).toBe(200);
    expect(marked.body).toEqual({ marked: unread });
    expect((await admin.get('/api/notifications/unread-count')).body).toEqual({ unread: 0 });
    expect((await admin.get('/api/notifications?filter=unread')).body).toEqual([]);
    expect((await admin.post('/api/notifications/read-all')).body).toEqual({ marked: 0 });
    // Lena's notification is untouched
    expect((await learner.get('/api/notifications/unread-count')).body).toEqual({ unread: 1 });
    expect((await http.get('/api/notifications/unread-count')).status).toBe(401);
  });
});
