import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalCertificateValidated } from '#libs/contracts/validation/index.js';
import { IntegrationEventDispatcher } from '#libs/outbox/integration-event-dispatcher.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function pdfBytes(size = 3000): Buffer {
  const head = Buffer.from('%PDF-1.4\n', 'latin1');
  const tail = Buffer.from('\n%%EOF\n');
  return Buffer.concat([head, randomBytes(size - head.length - tail.length), tail]);
}

/**
 * Through the real flow (upload, review through the API, Users changes): what happens downstream of the
 * Validation module's events. A validated certificate with a definition enters the catalogue once, with
 * the uploaded PDF; a recorded one too; the reviews report counts per reviewer, follows a reviewer who
 * was replaced, and is scoped.
 */
describe('external certificates downstream: the catalogue and the reviews report, through the real flow', () => {
  let app: TestApp;
  let admin: Http;
  let manager: Http;
  let coach: Http;
  let groupAdmin: Http;
  const as: Record<string, Http> = {};
  const ids: Record<string, string> = {};
  const definitions: Record<string, string> = {};

  const upload = async (who: Http, fields: Record<string, string>, content = pdfBytes()) => {
    const response = await who.upload('/api/external-certificates', { name: 'Safety course', deliveredOn: '2025-09-01', ...fields }, [
      { field: 'file', fileName: 'safety.pdf', content, contentType: 'application/pdf' },
    ]);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { id: string; state: string; reviewer: { id: string; tier: string } | null };
  };
  const certificatesFrom = (externalCertificateId: string) =>
    app.sql<{ id: string; source: string; registered_by: string; obtained_on: string; expires_on: string | null }>(
      `select id, source, registered_by, to_char(obtained_on, 'YYYY-MM-DD') as obtained_on, to_char(expires_on, 'YYYY-MM-DD') as expires_on
         from obtained_certificates where external_certificate_id = $1`,
      [externalCertificateId],
    );
  const registrations = async (certificateId: string) =>
    (await app.sql(`select 1 from outbox_messages where event_type = 'certificates.obtained-certificate-registered.v1' and payload->>'certificateId' = $1`, [certificateId])).length;
  const reviews = async (http: Http, query = '') => {
    const response = await http.get(`/api/reports/reviews${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { rows: { reviewerId: string; pending: number; validated: number; rejected: number; medianHoursToReview: number | null }[]; overall: { pending: number; validated: number; rejected: number } };
  };
  const rowOf = async (http: Http, reviewerId: string) => (await reviews(http)).rows.filter((row) => row.reviewerId === reviewerId);

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    manager = await http.login('manager@example.com');
    coach = await http.login('coach@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    for (const name of ['lena', 'liam', 'lars', 'leo', 'lotte']) as[name] = await http.login(`${name}@example.com`);
    for (const row of await app.sql<{ id: string; email: string }>(`select id, email from users`)) ids[row.email.split('@')[0]] = row.id;
    for (const row of await app.sql<{ id: string; code: string }>(`select id, code from certificate_definitions`)) definitions[row.code] = row.id;
  });
  afterAll(() => app?.close());

  it('validated with a definition: one obtained certificate, source external, the uploaded PDF, even when the event comes again', async () => {
    const content = pdfBytes(4096);
    const task = await upload(as.lars, {}, content);
    expect(task.reviewer).toMatchObject({ id: ids.manager, tier: 'manager' });
    const validated = await manager.post(`/api/external-certificates/${task.id}/validate`, { definitionId: definitions['VCA-BASIS'], expiresOn: '2035-09-01' });
    expect(validated.status, JSON.stringify(validated.body)).toBe(200);

    const [certificate] = await eventually(async () => {
      const rows = await certificatesFrom(task.id);
      return rows.length > 0 ? rows : undefined;
    });
    expect(certificate).toMatchObject({ source: 'external', registered_by: ids.manager, obtained_on: '2025-09-01', expires_on: '2035-09-01' });
    const view = await as.lars.get(`/api/obtained-certificates/${certificate.id}`);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body).toMatchObject({ userId: ids.lars, definitionCode: 'VCA-BASIS', source: 'external', externalCertificateId: task.id });
    const file = await as.lars.get(`/api/obtained-certificates/${certificate.id}/attachments/${view.body.attachments[0].id}/content`);
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.raw, content)).toBe(0);

    // The same event again (a redelivery), and another event for the same certificate: nothing more.
    const [message] = await app.sql<{ id: string; payload: object; occurred_at: Date }>(
      `select id, payload, occurred_at from outbox_messages where event_type = $1 and payload->>'externalCertificateId' = $2`,
      [ExternalCertificateValidated.type, task.id],
    );
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const event = { id: message.id, type: ExternalCertificateValidated.type, occurredAt: new Date(message.occurred_at).toISOString(), payload: message.payload };
    await dispatcher.deliver(event);
    await dispatcher.deliver({ ...event, id: randomUUID() });
    expect(await certificatesFrom(task.id)).toHaveLength(1);
    expect(await registrations(certificate.id)).toBe(1);
  });

  it('validated without a definition: nothing enters the catalogue; recorded (validation off) with one: it does, registered by the uploader', async () => {
    const plain = await upload(as.lotte, { name: 'Course without catalogue entry' });
    expect((await manager.post(`/api/external-certificates/${plain.id}/validate`, {})).status).toBe(200);

    expect((await admin.put('/api/settings/external-certificates.validation-required', { value: false })).status).toBe(200);
    let recorded: { id: string; state: string };
    try {
      recorded = await upload(admin, { userId: ids.lucy, definitionId: definitions.BHV, deliveredOn: '2025-10-01' });
    } finally {
      expect((await admin.put('/api/settings/external-certificates.validation-required', { value: true })).status).toBe(200);
    }
    expect(recorded.state).toBe('recorded');
    const [certificate] = await eventually(async () => {
      const rows = await certificatesFrom(recorded.id);
      return rows.length > 0 ? rows : undefined;
    });
    // No expiry given: the definition's validity (BHV: 12 months) applies.
    expect(certificate).toMatchObject({ source: 'external', registered_by: ids.admin, obtained_on: '2025-10-01', expires_on: '2026-10-01' });

    // The Validated event of the one without a definition was taken (its inbox row says so) and left nothing in the catalogue.
    await eventually(async () =>
      (
        await app.sql(
          `select 1 from processed_events p join outbox_messages m on m.id = p.event_id
            where p.consumer = 'certificates.register-validated-external-certificate' and m.event_type = $1 and m.payload->>'externalCertificateId' = $2`,
          [ExternalCertificateValidated.type, plain.id],
        )
      ).length === 1,
    );
    expect(await certificatesFrom(plain.id)).toEqual([]);
  });

  it('the reviews report counts per reviewer (manager, coach, group admin), follows a replaced reviewer, and is scoped', async () => {
    const leo = await upload(as.leo, {});
    expect(leo.reviewer).toMatchObject({ id: ids.coach, tier: 'coach' });
    expect((await coach.post(`/api/external-certificates/${leo.id}/reject`, { comment: 'The scan is unreadable' })).status).toBe(200);
    const lena = await upload(as.lena, {});
    expect(lena.reviewer).toMatchObject({ id: ids.groupadmin, tier: 'group-admin' });

    // Liam's task goes to a new manager, who is then deleted: the task moves on (ReviewerChanged), and so does the report.
    const created = await admin.post('/api/users', { email: 'max.reviewer@example.com', firstName: 'Max', lastName: 'Reviewer', roleKeys: ['manager'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const max = created.body.id as string;
    expect((await admin.put(`/api/users/${max}/managees/${ids.liam}`, { kind: 'manager' })).status).toBe(204);
    const liam = await upload(as.liam, {});
    expect(liam.reviewer).toMatchObject({ id: max });
    await eventually(async () => (await rowOf(admin, max)).length === 1);
    expect((await admin.delete(`/api/users/${max}`)).status).toBe(204);
    const moved = await eventually(async () => {
      const body = (await admin.get(`/api/external-certificates/${liam.id}`)).body;
      return body.reviewer?.id !== max ? body : undefined;
    });
    expect(moved.reviewer).toMatchObject({ id: ids.groupadmin });

    const expected = {
      [ids.manager]: { pending: 0, validated: 2, rejected: 0 },
      [ids.coach]: { pending: 0, validated: 0, rejected: 1 },
      [ids.groupadmin]: { pending: 2, validated: 0, rejected: 0 },
    };
    await eventually(async () => {
      const body = await reviews(admin);
      return body.overall.pending === 2 && body.overall.validated === 2 && body.overall.rejected === 1 && !body.rows.some((row) => row.reviewerId === max) ? body : undefined;
    });
    for (const [reviewerId, counts] of Object.entries(expected)) {
      const rows = await rowOf(admin, reviewerId);
      expect(rows, reviewerId).toHaveLength(1);
      expect(rows[0]).toMatchObject(counts);
      if (counts.pending === 0) expect(rows[0].medianHoursToReview).toEqual(expect.any(Number));
      else expect(rows[0].medianHoursToReview).toBeNull();
    }
    expect((await reviews(admin, `?reviewerId=${ids.coach}`)).overall).toEqual({ pending: 0, validated: 0, rejected: 1, medianHoursToReview: expect.any(Number) });

    // The group admin sees Lena's and Liam's tasks (Operations); not those of Lars, Leo (Sales) or Lotte (no group).
    const scoped = await reviews(groupAdmin);
    expect(scoped.overall).toEqual({ pending: 2, validated: 0, rejected: 0, medianHoursToReview: null });
    expect(scoped.rows.map((row) => row.reviewerId)).toEqual([ids.groupadmin]);
  });
});
