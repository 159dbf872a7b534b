import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '#libs/contracts/integration-event.js';
import {
  ExternalCertificateRecorded,
  ExternalCertificateValidated,
  type ExternalCertificateDecidedPayload,
  type ExternalCertificateFacts,
} from '#libs/contracts/validation/index.js';
import { IntegrationEventDispatcher } from '#libs/outbox/integration-event-dispatcher.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { minimalPdf } from '../../src/modules/certificates/infrastructure/certificates-demo.seeder.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const VALIDATED_CONSUMER = 'certificates.register-validated-external-certificate';
const RECORDED_CONSUMER = 'certificates.register-recorded-external-certificate';

/**
 * A validated (or recorded) external certificate with a definition enters the catalogue as an obtained
 * certificate, source external, with its PDF, exactly once per external certificate: whatever the
 * number of events, redeliveries of one event, or workers taking them at once. Events are recorded into
 * the outbox as the Validation module does (or handed to the dispatcher directly for a redelivery).
 */
describe('external certificates enter the catalogue once', () => {
  let app: TestApp;
  let admin: Http;
  let storage: StoragePort;
  const users: Record<string, string> = {};
  const definitions: Record<string, { id: string; validity: number | null }> = {};

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0', REVIEW_REMINDER_INTERVAL_MS: '0' } });
    admin = await new Http(app.url).login('admin@example.com');
    storage = app.running.app.get(StoragePort);
    for (const row of await app.sql<{ id: string; user_code: string }>(`select id, user_code from users`)) users[row.user_code] = row.id;
    for (const row of await app.sql<{ id: string; code: string; validity_months: number | null }>(`select id, code, validity_months from certificate_definitions`)) {
      definitions[row.code] = { id: row.id, validity: row.validity_months };
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  const facts = async (overrides: Partial<ExternalCertificateFacts> = {}): Promise<ExternalCertificateFacts> => {
    const pdf = minimalPdf(`External certificate ${randomUUID()}`);
    const stored = await storage.put(pdf);
    return {
      externalCertificateId: randomUUID(),
      userId: users['L-1001'],
      learnerName: 'Lena de Vries',
      learnerLanguage: 'nl',
      uploadedBy: users['L-1001'],
      name: 'VCA from elsewhere',
      deliveredOn: '2024-03-01',
      expiresOn: '2030-03-01',
      definitionId: definitions['VCA-BASIS'].id,
      credits: null,
      file: { storageKey: stored.key, fileName: 'vca-elsewhere.pdf', size: pdf.length },
      submittedAt: '2024-03-02T10:00:00.000Z',
      ...overrides,
    };
  };
  const decided = (base: ExternalCertificateFacts): ExternalCertificateDecidedPayload => ({
    ...base,
    reviewerId: users['MGR-0001'] ?? users['ADM-0001'],
    decidedBy: users['ADM-0001'],
    decidedAt: '2024-03-03T09:00:00.000Z',
    comment: null,
  });
  const record = async (...events: IntegrationEvent[]) => {
    const orm = app.running.app.get(MikroORM);
    await orm.em.fork().transactional(async (em) => {
      for (const event of events) recordEvent(em, event);
    });
  };
  /** Waits until each consumer has taken each event (its inbox row): then its effect, if any, is committed. */
  const processed = async (consumer: string, count: number) =>
    eventually(async () => {
      const rows = await app.sql<{ count: string }>(`select count(*) as count from processed_events where consumer = $1`, [consumer]);
      return Number(rows[0].count) >= count;
    });
  const certificatesOf = (externalCertificateId: string) =>
    app.sql<{ id: string; source: string; obtained_on: string; expires_on: string | null; registered_by: string; user_id: string }>(
      `select id, source, to_char(obtained_on, 'YYYY-MM-DD') as obtained_on, to_char(expires_on, 'YYYY-MM-DD') as expires_on, registered_by, user_id
         from obtained_certificates where external_certificate_id = $1`,
      [externalCertificateId],
    );
  const registeredEvents = (certificateId: string) =>
    app.sql(`select 1 from outbox_messages where event_type = 'certificates.obtained-certificate-registered.v1' and payload ->> 'certificateId' = $1`, [certificateId]);
  let validatedSeen = 0;
  let recordedSeen = 0;

  it('a Validated event recorded twice, and one event delivered twice: one certificate, source external, the PDF readable, one ObtainedCertificateRegistered', async () => {
    const base = await facts();
    const payload = decided(base);
    await record(new ExternalCertificateValidated(payload));
    await record(new ExternalCertificateValidated(payload));
    validatedSeen += 2;
    await processed(VALIDATED_CONSUMER, validatedSeen);
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const redelivered = { id: randomUUID(), type: ExternalCertificateValidated.type, occurredAt: new Date().toISOString(), payload };
    await dispatcher.deliver(redelivered);
    await dispatcher.deliver(redelivered);
    validatedSeen += 1;

    const certificates = await certificatesOf(base.externalCertificateId);
    expect(certificates).toEqual([
      { id: expect.any(String), source: 'external', obtained_on: '2024-03-01', expires_on: '2030-03-01', registered_by: users['ADM-0001'], user_id: users['L-1001'] },
    ]);
    expect(await registeredEvents(certificates[0].id)).toHaveLength(1);

    const view = await admin.get(`/api/obtained-certificates/${certificates[0].id}`);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body).toMatchObject({ source: 'external', externalCertificateId: base.externalCertificateId, definitionCode: 'VCA-BASIS', dateObtained: '2024-03-01' });
    expect(view.body.attachments).toEqual([expect.objectContaining({ fileName: 'vca-elsewhere.pdf', mediaType: 'application/pdf', size: base.file.size })]);
    const content = await admin.get(`/api/obtained-certificates/${certificates[0].id}/attachments/${view.body.attachments[0].id}/content`);
    expect(content.status).toBe(200);
    expect(content.raw.subarray(0, 5).toString()).toBe('%PDF-');
    expect(content.raw.length).toBe(base.file.size);
  });

  it('two workers taking two events of one external certificate at once: the unique index lets one register, the other finds it', async () => {
    const base = await facts({ deliveredOn: '2024-04-01', expiresOn: null });
    const payload = decided(base);
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const event = () => ({ id: randomUUID(), type: ExternalCertificateValidated.type, occurredAt: new Date().toISOString(), payload });
    await Promise.all([dispatcher.deliver(event()), dispatcher.deliver(event()), dispatcher.deliver(event())]);
    validatedSeen += 3;
    const certificates = await certificatesOf(base.externalCertificateId);
    expect(certificates).toHaveLength(1);
    expect(await registeredEvents(certificates[0].id)).toHaveLength(1);
    expect(await app.sql(`select 1 from dead_letters`)).toEqual([]);
  });

  it('a Recorded event (no validation) registers it too, by the uploader; without an expiry the definition\'s validity applies', async () => {
    const base = await facts({ userId: users['L-1003'], uploadedBy: users['L-1003'], deliveredOn: '2023-06-15', expiresOn: null, definitionId: definitions.BHV.id });
    const event = new ExternalCertificateRecorded({ ...base, recordedAt: '2023-06-16T08:00:00.000Z' });
    await record(event, new ExternalCertificateRecorded({ ...base, recordedAt: '2023-06-16T08:00:00.000Z' }));
    recordedSeen += 2;
    await processed(RECORDED_CONSUMER, recordedSeen);
    const certificates = await certificatesOf(base.externalCertificateId);
    expect(definitions.BHV.validity).toBe(12);
    expect(certificates).toEqual([
      { id: expect.any(String), source: 'external', obtained_on: '2023-06-15', expires_on: '2024-06-15', registered_by: users['L-1003'], user_id: users['L-1003'] },
    ]);
    expect(await registeredEvents(certificates[0].id)).toHaveLength(1);
  });

  it('without a definition nothing enters the catalogue; with a definition that is gone, it is logged and not retried', async () => {
    const none = await facts({ definitionId: null, deliveredOn: '2024-05-01' });
    const gone = await facts({ definitionId: randomUUID(), deliveredOn: '2024-05-02' });
    await record(new ExternalCertificateValidated(decided(none)), new ExternalCertificateRecorded({ ...none, recordedAt: '2024-05-01T08:00:00.000Z' }));
    await record(new ExternalCertificateValidated(decided(gone)));
    validatedSeen += 2;
    recordedSeen += 1;
    await processed(VALIDATED_CONSUMER, validatedSeen);
    await processed(RECORDED_CONSUMER, recordedSeen);
    expect(await certificatesOf(none.externalCertificateId)).toEqual([]);
    expect(await certificatesOf(gone.externalCertificateId)).toEqual([]);
    // Taken (its inbox row committed), so neither retried nor dead-lettered.
    expect(await app.sql(`select 1 from dead_letters`)).toEqual([]);
    expect(await app.sql(`select 1 from obtained_certificates where source = 'external' and external_certificate_id is not null`)).toHaveLength(3);
  });
});
