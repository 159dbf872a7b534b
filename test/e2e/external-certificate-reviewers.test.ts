import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { ReviewDecisions } from '../../src/modules/validation/application/review-decisions.js';
import { ReviewerSweep } from '../../src/modules/validation/application/reassignment/reviewer-sweep.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function pdfBytes(size = 2048): Buffer {
  const head = Buffer.from('%PDF-1.4\n', 'latin1');
  return Buffer.concat([head, randomBytes(size - head.length)]);
}

/** A task never stays with a reviewer who is gone: the sweep and the Users events move it to the fallback. */
describe('external certificates: a reviewer who is gone is replaced', () => {
  let app: TestApp;
  let admin: Http;
  const as: Record<string, Http> = {};
  const ids: Record<string, string> = {};

  const upload = (who: Http) =>
    who.upload('/api/external-certificates', { name: 'Crane operator', deliveredOn: '2026-02-01' }, [{ field: 'file', fileName: 'c.pdf', content: pdfBytes() }]);

  const createManager = async (firstName: string) => {
    const response = await admin.post('/api/users', { email: `${firstName.toLowerCase()}-${randomBytes(3).toString('hex')}@example.com`, firstName, lastName: 'Tester', roleKeys: ['manager'] });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  const relate = async (managerId: string, manageeId: string) => {
    expect((await admin.put(`/api/users/${managerId}/managees/${manageeId}`, { kind: 'manager' })).status).toBe(204);
  };

  const task = async (id: string) => (await admin.get(`/api/external-certificates/${id}`)).body;
  const reviewerChangedEvents = async (id: string) =>
    app.sql<{ payload: Record<string, unknown> }>(`select payload from outbox_messages where event_type = 'validation.reviewer-changed.v1' and payload->>'externalCertificateId' = $1`, [id]);

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    for (const name of ['lena', 'liam']) as[name] = await http.login(`${name}@example.com`);
    for (const [key, code] of Object.entries({ lena: 'L-1001', liam: 'L-1002', groupAdmin: 'GA-0001', admin: 'ADM-0001' })) {
      ids[key] = (await admin.get(`/api/users?userCode=${code}`)).body.items[0].id;
    }
  });
  afterAll(() => app?.close());

  it('a deleted reviewer: after the sweep the task is the fallback reviewer’s, with a new fallback, once', async () => {
    const max = await createManager('Max');
    await relate(max, ids.liam);
    const { body: created } = await upload(as.liam);
    expect(created.reviewer).toMatchObject({ id: max, tier: 'manager' });
    expect(created.fallbackReviewer).toMatchObject({ id: ids.groupAdmin });

    const untouched = await app.running.app.get(ReviewerSweep).sweep();
    expect(untouched.ran).toBe(true);
    expect(untouched.moved).toEqual([]);

    expect((await admin.delete(`/api/users/${max}`)).status).toBe(204);
    const report = await app.running.app.get(ReviewerSweep).sweep();
    expect(report.moved).toContain(created.id);
    const moved = await task(created.id);
    expect(moved).toMatchObject({ state: 'pending_review', reviewer: { id: ids.groupAdmin, tier: 'group-admin' }, fallbackReviewer: { id: ids.admin } });
    const events = await reviewerChangedEvents(created.id);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ previousReviewerId: max, reviewerId: ids.groupAdmin, reason: 'reviewer-gone', fallbackReviewerId: ids.admin });
    const history = (await admin.get(`/api/external-certificates/${created.id}/history`)).body;
    expect(history.map((entry: { action: string }) => entry.action)).toEqual(['submitted', 'reviewer-changed']);

    // The new reviewer decides; a second sweep finds nothing to do.
    const again = await app.running.app.get(ReviewerSweep).sweep();
    expect(again.moved).not.toContain(created.id);
    expect(await reviewerChangedEvents(created.id)).toHaveLength(1);
    const groupAdmin = await new Http(app.url).login('groupadmin@example.com');
    expect((await groupAdmin.post(`/api/external-certificates/${created.id}/validate`, {})).status).toBe(200);
  });

  it('a fallback reviewer who is gone is replaced too, the reviewer stays', async () => {
    const { body: created } = await upload(as.lena);
    expect(created.reviewer).toMatchObject({ id: ids.groupAdmin });
    expect(created.fallbackReviewer).toMatchObject({ id: ids.admin });
    const otherAdmin = (await admin.post('/api/users', { email: `pa-${randomBytes(3).toString('hex')}@example.com`, firstName: 'Paula', lastName: 'Admin', roleKeys: ['platform-admin'] })).body.id;
    // The demo admin stops being a platform admin (roles replaced by learner): another platform admin is the fallback now.
    expect((await admin.put(`/api/users/${ids.admin}/roles`, { roleKeys: ['learner'] })).status).toBe(204);
    try {
      const report = await app.running.app.get(ReviewerSweep).sweep();
      expect(report.fallbackChanged).toContain(created.id);
      const [row] = await app.sql<{ reviewer_id: string; fallback_reviewer_id: string }>(`select reviewer_id, fallback_reviewer_id from external_certificates where id = $1`, [created.id]);
      expect(row).toEqual({ reviewer_id: ids.groupAdmin, fallback_reviewer_id: otherAdmin });
      expect(await reviewerChangedEvents(created.id)).toHaveLength(0);
    } finally {
      await app.sql(`insert into user_roles (user_id, role_id) select $1, id from roles where key = 'platform-admin' on conflict do nothing`, [ids.admin]);
    }
  });

  it('the Users events move a task at once, without the sweep (ManagerRelationEnded, redelivered: moved once)', async () => {
    const mia = await createManager('Mia');
    await relate(mia, ids.lena);
    const { body: created } = await upload(as.lena);
    expect(created.reviewer).toMatchObject({ id: mia, tier: 'manager' });
    expect((await admin.delete(`/api/users/${mia}/managees/${ids.lena}`)).status).toBe(204);
    // The Users module records this event when a relation ends; recorded here directly (twice: a redelivery).
    for (let i = 0; i < 2; i += 1) {
      await app.sql(`insert into outbox_messages (id, event_type, payload, occurred_at) values ($1, 'users.manager-relation-ended.v1', $2::jsonb, now())`, [
        randomUUID(),
        JSON.stringify({ managerId: mia, manageeId: ids.lena, kind: 'manager' }),
      ]);
    }
    const moved = await eventually(async () => {
      const current = await task(created.id);
      return current.reviewer.id === ids.groupAdmin ? current : undefined;
    });
    expect(moved.reviewer).toMatchObject({ id: ids.groupAdmin, tier: 'group-admin' });
    await eventually(async () => (await app.sql(`select 1 from outbox_messages where dispatched_at is null and event_type like 'users.%'`)).length === 0);
    expect(await reviewerChangedEvents(created.id)).toHaveLength(1);
  });

  it('ReviewDecisions.decide via a mail link: only the current reviewer (or fallback) of the task acts; others get 409 VALIDATION.NOT_REVIEWER', async () => {
    const { body: created } = await upload(as.liam);
    expect(created.reviewer).toMatchObject({ id: ids.groupAdmin });
    const decisions = app.running.app.get(ReviewDecisions);
    const orm = app.running.app.get(MikroORM);
    const decide = (reviewerId: string, action: 'validate' | 'reject', comment: string | null) =>
      orm.em.fork().transactional((em) => decisions.decide(em, created.id, { via: 'link', reviewerId }, { action, edits: { name: 'Crane operator (B)' }, comment }));
    await expect(decide(ids.liam, 'validate', null)).rejects.toMatchObject({ code: 'VALIDATION.NOT_REVIEWER' });
    await expect(decide(randomUUID(), 'validate', null)).rejects.toMatchObject({ code: 'VALIDATION.NOT_REVIEWER' });
    await expect(decide(ids.groupAdmin, 'reject', ' ')).rejects.toMatchObject({ code: 'VALIDATION.REJECTION_NEEDS_COMMENT' });
    expect((await task(created.id)).state).toBe('pending_review');
    await decide(ids.groupAdmin, 'validate', 'Looks right');
    expect(await task(created.id)).toMatchObject({ state: 'validated', name: 'Crane operator (B)', comment: 'Looks right', decidedBy: { id: ids.groupAdmin } });
    await expect(decide(ids.groupAdmin, 'validate', null)).rejects.toMatchObject({ code: 'VALIDATION.ALREADY_DECIDED' });
  });
});
