import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '#libs/contracts/integration-event.js';
import {
  ExternalCertificateRejected,
  ExternalCertificateSubmitted,
  ExternalCertificateValidated,
  ReviewerChanged,
  type ExternalCertificateFacts,
} from '#libs/contracts/validation/index.js';
import { IntegrationEventDispatcher } from '#libs/outbox/integration-event-dispatcher.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * GET /api/reports/reviews (also /api/reporting/reviews): pending, validated and rejected review tasks
 * and the median hours to review, per reviewer and month of submission and overall, from the reviews
 * read model that the Validation module's events feed, in any order, once each; scoped by learner.
 */
describe('the reviews report', () => {
  let app: TestApp;
  let admin: Http;
  let groupAdmin: Http;
  const users: Record<string, string> = {};
  let recorded = 0;

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0', REVIEW_REMINDER_INTERVAL_MS: '0' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    for (const row of await app.sql<{ id: string; email: string }>(`select id, email from users`)) users[row.email.split('@')[0]] = row.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const facts = (learner: string, submittedAt: string): ExternalCertificateFacts => ({
    externalCertificateId: randomUUID(),
    userId: users[learner],
    learnerName: learner,
    learnerLanguage: 'en',
    uploadedBy: users[learner],
    name: 'First aid course',
    deliveredOn: '2025-12-01',
    expiresOn: null,
    definitionId: null,
    credits: null,
    file: { storageKey: 'a'.repeat(64), fileName: 'first-aid.pdf', size: 1000 },
    submittedAt,
  });
  const submitted = (task: ExternalCertificateFacts, reviewer: string) =>
    new ExternalCertificateSubmitted({ ...task, reviewerId: users[reviewer], reviewerTier: 'group-admin', fallbackReviewerId: users.admin });
  const decision = (task: ExternalCertificateFacts, reviewer: string, decidedAt: string) => ({
    ...task,
    reviewerId: users[reviewer],
    decidedBy: users[reviewer],
    decidedAt,
    comment: 'checked',
  });
  const validated = (task: ExternalCertificateFacts, reviewer: string, decidedAt: string) => new ExternalCertificateValidated(decision(task, reviewer, decidedAt));
  const rejected = (task: ExternalCertificateFacts, reviewer: string, decidedAt: string) => new ExternalCertificateRejected(decision(task, reviewer, decidedAt));
  /** Records the events (as the Validation module would) and waits until the reporting consumers took them all. */
  const record = async (...events: IntegrationEvent[]) => {
    await app.running.app
      .get(MikroORM)
      .em.fork()
      .transactional(async (em) => {
        for (const event of events) recordEvent(em, event);
      });
    recorded += events.length;
    await eventually(async () => {
      const [row] = await app.sql<{ count: string }>(`select count(*) as count from processed_events where consumer like 'reporting.reviews.%'`);
      return Number(row.count) >= recorded;
    });
  };
  const report = async (http: Http, query = 'from=2026-01&to=2026-02') => {
    const response = await http.get(`/api/reports/reviews?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { rows: { reviewerId: string; month: string }[]; overall: unknown };
  };
  const byMonthAndReviewer = (rows: { reviewerId: string; month: string }[]) =>
    [...rows].sort((a, b) => a.month.localeCompare(b.month) || a.reviewerId.localeCompare(b.reviewerId));

  it('counts per reviewer and month, with the median hours to review, whatever the order of the events', async () => {
    // January: Lena's task validated by the group admin after 10 hours, Lucy's rejected after 24, Lars's pending with his manager.
    const lena = facts('lena', '2026-01-10T08:00:00.000Z');
    const lucy = facts('lucy', '2026-01-12T00:00:00.000Z');
    const lars = facts('lars', '2026-01-05T00:00:00.000Z');
    await record(submitted(lena, 'groupadmin'), submitted(lucy, 'groupadmin'), submitted(lars, 'manager'));
    await record(validated(lena, 'groupadmin', '2026-01-10T18:00:00.000Z'), rejected(lucy, 'groupadmin', '2026-01-13T00:00:00.000Z'));
    // February, in the worst order: the reviewer change, then the decision, then (late) the submission naming the first reviewer.
    const liam = facts('liam', '2026-02-01T00:00:00.000Z');
    await record(
      new ReviewerChanged({
        externalCertificateId: liam.externalCertificateId,
        userId: liam.userId,
        learnerName: 'liam',
        name: liam.name,
        previousReviewerId: users.groupadmin,
        reviewerId: users.admin,
        reviewerTier: 'platform-admin',
        fallbackReviewerId: null,
        reason: 'reviewer-gone',
        changedAt: '2026-02-03T00:00:00.000Z',
      }),
    );
    await record(validated(liam, 'admin', '2026-02-04T00:00:00.000Z'));
    await record(submitted(liam, 'groupadmin'));
    // A decision before its submission stays decided too.
    const leo = facts('leo', '2025-12-20T00:00:00.000Z');
    await record(rejected(leo, 'manager', '2025-12-20T06:00:00.000Z'));
    await record(submitted(leo, 'manager'));

    const body = await report(admin);
    expect(byMonthAndReviewer(body.rows)).toEqual(
      byMonthAndReviewer([
        { reviewerId: users.groupadmin, month: '2026-01', pending: 0, validated: 1, rejected: 1, medianHoursToReview: 17 },
        { reviewerId: users.manager, month: '2026-01', pending: 1, validated: 0, rejected: 0, medianHoursToReview: null },
        { reviewerId: users.admin, month: '2026-02', pending: 0, validated: 1, rejected: 0, medianHoursToReview: 72 },
      ] as never),
    );
    expect(body.overall).toEqual({ pending: 1, validated: 2, rejected: 1, medianHoursToReview: 24 });
    expect((await report(admin, 'from=2025-12&to=2025-12')).rows).toEqual([
      { reviewerId: users.manager, month: '2025-12', pending: 0, validated: 0, rejected: 1, medianHoursToReview: 6 },
    ]);
    expect(await app.sql(`select reviewer_id, outcome from reporting_reviews where external_certificate_id = $1`, [liam.externalCertificateId])).toEqual([
      { reviewer_id: users.admin, outcome: 'validated' },
    ]);

    // A redelivered event changes nothing.
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const again = { id: randomUUID(), type: ExternalCertificateSubmitted.type, occurredAt: new Date().toISOString(), payload: submitted(lucy, 'manager').payload };
    await dispatcher.deliver(again);
    await dispatcher.deliver(again);
    expect((await report(admin)).overall).toEqual({ pending: 1, validated: 2, rejected: 1, medianHoursToReview: 24 });
  });

  it('filters by reviewer, and answers under /api/reporting/reviews too', async () => {
    const mine = await report(admin, `from=2026-01&to=2026-02&reviewerId=${users.manager}`);
    expect(mine).toEqual({
      rows: [{ reviewerId: users.manager, month: '2026-01', pending: 1, validated: 0, rejected: 0, medianHoursToReview: null }],
      overall: { pending: 1, validated: 0, rejected: 0, medianHoursToReview: null },
    });
    const alias = await admin.get(`/api/reporting/reviews?from=2026-01&to=2026-02&reviewerId=${users.manager}`);
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(mine);
  });

  it('a group admin sees only the reviews of learners in their scope', async () => {
    // Lena, Liam (Operations) and Lucy (Warehouse) are theirs; Lars (Sales) is not.
    const body = await report(groupAdmin);
    expect(byMonthAndReviewer(body.rows)).toEqual(
      byMonthAndReviewer([
        { reviewerId: users.groupadmin, month: '2026-01', pending: 0, validated: 1, rejected: 1, medianHoursToReview: 17 },
        { reviewerId: users.admin, month: '2026-02', pending: 0, validated: 1, rejected: 0, medianHoursToReview: 72 },
      ] as never),
    );
    expect(body.overall).toEqual({ pending: 0, validated: 2, rejected: 1, medianHoursToReview: 24 });
  });

  it('needs reporting.read, and months as YYYY-MM', async () => {
    const learner = await new Http(app.url).login('lena@example.com');
    expect((await learner.get('/api/reports/reviews')).status).toBe(403);
    expect((await admin.get('/api/reports/reviews?from=2026-13')).status).toBe(400);
    expect((await admin.get('/api/reports/reviews?reviewerId=nope')).status).toBe(400);
  });
});
