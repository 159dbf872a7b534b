import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoragePort } from '#libs/storage/storage.port.js';
import { ReviewerReassignment } from '../../src/modules/validation/application/reassignment/reviewer-reassignment.js';
import { ReviewReminders } from '../../src/modules/validation/application/review-reminders.js';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Reminders of pending reviews: once to the reviewer after the reminder delay, once to the fallback reviewer
 * after twice that, never more, however often the pass runs. Time passes by moving submitted_at back in SQL;
 * the pass is called directly (its timer is off here).
 */
describe('review reminders', () => {
  let app: TestApp;
  let users: Record<string, { id: string; email: string }>;
  const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_REMINDER_INTERVAL_MS: '0', REVIEW_SWEEP_INTERVAL_MS: '0' } });
    const rows = await app.sql<{ id: string; email: string }>(`select id, email from users`);
    users = Object.fromEntries(rows.map((row) => [row.email.split('@')[0]!, row]));
  });
  afterAll(() => app?.close());

  const pass = () => app.running.app.get(ReviewReminders).runOnce();

  const plantTask = async (daysAgo: number, options: { fallback?: string | null; state?: 'pending_review' | 'rejected'; reviewer?: string } = {}) => {
    const id = randomUUID();
    const name = `Safety course ${id.slice(0, 8)}`;
    const stored = await app.running.app.get(StoragePort).put(pdf);
    const state = options.state ?? 'pending_review';
    const fallback = options.fallback === null ? null : users[options.fallback ?? 'admin']!.id;
    await app.sql(
      `insert into external_certificates (id, user_id, uploaded_by, name, delivered_on, state, file_key, file_name, file_size,
         reviewer_id, reviewer_tier, fallback_reviewer_id, submitted_at, assigned_at, decided_at, decided_by, comment)
       values ($1, $2, $2, $3, '2026-09-01', $4, $5, 'course.pdf', $6, $7, 'manager', $8, now() - make_interval(days => $9), now() - make_interval(days => $9), $10, $11, $12)`,
      [id, users.lars!.id, name, state, stored.key, pdf.length, users[options.reviewer ?? 'manager']!.id, fallback, daysAgo,
        state === 'pending_review' ? null : new Date(), state === 'pending_review' ? null : users.manager!.id, state === 'rejected' ? 'no' : null],
    );
    return { id, name };
  };
  const ageTo = (id: string, days: number) =>
    app.sql(`update external_certificates set submitted_at = now() - make_interval(days => $2), assigned_at = now() - make_interval(days => $2) where id = $1`, [id, days]);
  const dueEvents = (id: string) =>
    app.sql<{ payload: { kind: string; recipientId: string; learnerName: string; name: string } }>(
      `select payload from outbox_messages where event_type = 'validation.review-reminder-due.v1' and payload->>'externalCertificateId' = $1 order by payload->>'kind' desc`,
      [id],
    );
  const marks = async (id: string) => (await app.sql<{ reminded_at: Date | null; escalated_at: Date | null }>(`select reminded_at, escalated_at from external_certificates where id = $1`, [id]))[0]!;
  const mailsAbout = (name: string) => app.mail.list().filter((mail) => mail.subject.includes(name));

  it('reminds the reviewer once after the delay, and tells the fallback reviewer once after twice the delay', async () => {
    const task = await plantTask(3);
    const fresh = await plantTask(1);
    for (let i = 0; i < 3; i++) await pass();
    expect(await dueEvents(task.id)).toEqual([]);

    await ageTo(task.id, 8);
    const [first] = await Promise.all([pass(), pass()]);
    expect(first.reminded).toContain(task.id);
    for (let i = 0; i < 3; i++) expect((await pass()).reminded).not.toContain(task.id);
    expect((await dueEvents(task.id)).map((e) => [e.payload.kind, e.payload.recipientId])).toEqual([['reminder', users.manager!.id]]);
    expect((await marks(task.id)).reminded_at).not.toBeNull();
    expect((await marks(task.id)).escalated_at).toBeNull();
    const reminder = await app.mail.waitFor((mail) => mail.subject.includes(task.name), 15_000);
    expect(reminder.envelopeTo).toEqual([users.manager!.email]);
    const learnerName = (await dueEvents(task.id))[0]!.payload.learnerName;
    expect(learnerName.length).toBeGreaterThan(0);
    expect(reminder.subject).toBe(`Reminder: the certificate "${task.name}" of ${learnerName}`);
    expect(reminder.text).toMatch(/\/review\/[A-Za-z0-9_-]{43}\?action=validate/);

    await ageTo(task.id, 15);
    for (let i = 0; i < 3; i++) await pass();
    expect((await dueEvents(task.id)).map((e) => [e.payload.kind, e.payload.recipientId])).toEqual([
      ['reminder', users.manager!.id],
      ['escalation', users.admin!.id],
    ]);
    const escalation = await app.mail.waitFor((mail) => mail.subject.includes(task.name) && mail.envelopeTo.includes(users.admin!.email), 15_000);
    expect(escalation.subject).toMatch(/^(Still waiting for a reviewer|Wacht nog op een beoordelaar): /);
    // The fallback reviewer's link works (the page opens for them).
    const path = new URL(/(https?:\/\/\S+\/review\/[A-Za-z0-9_-]{43})\r?\n/.exec(escalation.text!)![1]!).pathname;
    expect((await fetch(`${app.url}${path}`)).status).toBe(200);
    // One mail each, never more.
    const deliveries = await app.sql(`select recipient_user_id from mail_deliveries where params->>'externalCertificateId' = $1 order by created_at`, [task.id]);
    expect(deliveries.map((d) => d.recipient_user_id).sort()).toEqual([users.manager!.id, users.admin!.id].sort());
    expect(mailsAbout(task.name).map((mail) => mail.envelopeTo[0]).sort()).toEqual([users.admin!.email, users.manager!.email].sort());
    expect(await dueEvents(fresh.id)).toEqual([]);
  });

  it('a task long overdue gets its reminder and escalation in one pass; without a fallback, it is marked and logged instead', async () => {
    const both = await plantTask(30);
    const lonely = await plantTask(30, { fallback: null });
    const decided = await plantTask(30, { state: 'rejected' });
    const report = await pass();
    expect(report.ran).toBe(true);
    expect(report.escalated).toContain(both.id);
    expect(report.withoutFallback).toEqual([lonely.id]);
    for (let i = 0; i < 2; i++) await pass();
    expect((await dueEvents(both.id)).map((e) => e.payload.kind)).toEqual(['reminder', 'escalation']);
    expect((await dueEvents(lonely.id)).map((e) => e.payload.kind)).toEqual(['reminder']);
    expect((await marks(lonely.id)).escalated_at).not.toBeNull();
    expect(await dueEvents(decided.id)).toEqual([]);
  });

  it('a task handed over late gives its new reviewer the full delay: a reminder after it, no escalation at once', async () => {
    // Twenty days with a reviewer who may not review it (lucy@, a learner), already reminded and escalated.
    const task = await plantTask(20, { reviewer: 'lucy' });
    await app.sql(`update external_certificates set reminded_at = now() - interval '13 days', escalated_at = now() - interval '6 days' where id = $1`, [task.id]);
    const report = await app.running.app
      .get(MikroORM)
      .em.fork()
      .transactional((em) => app.running.app.get(ReviewerReassignment).recheck(em, [task.id]));
    expect(report.moved).toEqual([task.id]);
    const [row] = await app.sql<{ reviewer_id: string; assigned_at: Date; reminded_at: Date | null; escalated_at: Date | null }>(
      `select reviewer_id, assigned_at, reminded_at, escalated_at from external_certificates where id = $1`,
      [task.id],
    );
    expect(row).toMatchObject({ reviewer_id: users.manager!.id, reminded_at: null, escalated_at: null });
    expect(Date.now() - new Date(row!.assigned_at).getTime()).toBeLessThan(3_600_000);
    const early = await pass();
    expect(early.reminded).not.toContain(task.id);
    expect(early.escalated).not.toContain(task.id);
    expect(early.withoutFallback).not.toContain(task.id);

    // The hand-over mail's links lock the task's row while they are issued (a pass skips a locked row): let it go out first.
    await app.mail.waitFor((mail) => mail.subject.includes(task.name) && mail.envelopeTo.includes(users.manager!.email), 15_000);
    await app.sql(`update external_certificates set assigned_at = now() - interval '8 days' where id = $1`, [task.id]);
    const due = await pass();
    expect(due.reminded).toContain(task.id);
    expect(due.escalated).not.toContain(task.id);
    expect((await dueEvents(task.id)).map((e) => [e.payload.kind, e.payload.recipientId])).toEqual([['reminder', users.manager!.id]]);
  });

  it('waits as long as the reminder-days setting says', async () => {
    const admin = await new Http(app.url).login('admin@example.com');
    const set = await admin.put('/api/settings/external-certificates.reminder-days', { value: 20 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    try {
      const task = await plantTask(10);
      await pass();
      expect(await dueEvents(task.id)).toEqual([]);
      await ageTo(task.id, 21);
      await pass();
      expect((await dueEvents(task.id)).map((e) => e.payload.kind)).toEqual(['reminder']);
    } finally {
      await admin.put('/api/settings/external-certificates.reminder-days', { value: 7 });
    }
  });
});
