import { randomBytes } from 'node:crypto';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX_BYTES = 64 * 1024;

/** A PDF as far as anyone can tell from its bytes, different every time. */
function pdfBytes(size = 2048): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const tail = Buffer.from('\n%%EOF\n');
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length - tail.length)), tail]);
}

describe('external certificates: upload, reviewer choice, review through the API, access', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;
  let manager: Http;
  const as: Record<string, Http> = {};
  const ids: Record<string, string> = {};

  const setSetting = async (key: string, value: unknown) => {
    const response = await admin.put(`/api/settings/${key}`, { value });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };

  const upload = (who: Http, fields: Record<string, string>, file: { fileName?: string; content?: Buffer } = {}) =>
    who.upload('/api/external-certificates', { name: 'First aid', deliveredOn: '2026-01-15', ...fields }, [
      { field: 'file', fileName: file.fileName ?? 'certificate.pdf', content: file.content ?? pdfBytes(), contentType: 'application/pdf' },
    ]);

  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await app.sql<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params))[0].n);

  const storedFiles = () => {
    const dir = app.config.storageDir;
    if (!existsSync(dir)) return 0;
    let n = 0;
    const walk = (path: string) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(path, entry.name));
        else n += 1;
      }
    };
    walk(dir);
    return n;
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { EXTERNAL_CERTIFICATE_MAX_BYTES: String(MAX_BYTES), REVIEW_SWEEP_INTERVAL_MS: '0' } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    manager = await http.login('manager@example.com');
    for (const name of ['lena', 'liam', 'lucy', 'lars', 'leo', 'lotte']) as[name] = await http.login(`${name}@example.com`);
    for (const [key, code] of Object.entries({ lena: 'L-1001', liam: 'L-1002', lucy: 'L-1003', lars: 'L-1004', leo: 'L-1005', lotte: 'L-1006', groupAdmin: 'GA-0001', manager: 'MGR-0001', admin: 'ADM-0001' })) {
      ids[key] = (await admin.get(`/api/users?userCode=${code}`)).body.items[0].id;
    }
  });
  afterAll(() => app?.close());

  it('a learner with a manager uploads: pending_review with the manager as reviewer, event and history written once', async () => {
    const response = await upload(as.lars, {});
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      state: 'pending_review',
      user: { id: ids.lars, name: 'Lars Bakker' },
      uploadedBy: { id: ids.lars },
      name: 'First aid',
      deliveredOn: '2026-01-15',
      expiresOn: null,
      reviewer: { id: ids.manager, tier: 'manager', name: 'Mona Manager' },
      fallbackReviewer: { id: ids.admin },
      version: 1,
    });
    expect(await count('outbox_messages', `event_type = 'validation.external-certificate-submitted.v1' and payload->>'externalCertificateId' = $1`, [response.body.id])).toBe(1);
    const history = await as.lars.get(`/api/external-certificates/${response.body.id}/history`);
    expect(history.body).toMatchObject([{ action: 'submitted', actor: { id: ids.lars } }]);
  });

  it('the manager validates with edits: validated, the event once, a second decision is refused with 409', async () => {
    const { body: created } = await upload(as.lotte, { name: 'Forklift' });
    expect(created.reviewer.id).toBe(ids.manager);
    const validated = await manager.post(`/api/external-certificates/${created.id}/validate`, { name: 'Forklift licence', expiresOn: '2030-01-01', comment: 'ok' });
    expect(validated.status, JSON.stringify(validated.body)).toBe(200);
    expect(validated.body).toMatchObject({ state: 'validated', name: 'Forklift licence', expiresOn: '2030-01-01', comment: 'ok', decidedBy: { id: ids.manager } });
    expect(await count('outbox_messages', `event_type = 'validation.external-certificate-validated.v1' and payload->>'externalCertificateId' = $1`, [created.id])).toBe(1);
    const again = await manager.post(`/api/external-certificates/${created.id}/reject`, { comment: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('VALIDATION.ALREADY_DECIDED');
    expect(await count('outbox_messages', `event_type like 'validation.external-certificate-%' and payload->>'externalCertificateId' = $1`, [created.id])).toBe(2);
  });

  it('a non-PDF renamed .pdf is refused with 415 and nothing is stored', async () => {
    const files = storedFiles();
    const rows = await count('external_certificates');
    const response = await upload(as.lena, {}, { fileName: 'looks-like.pdf', content: Buffer.from('PK\x03\x04 this is a zip, not a pdf'.repeat(20)) });
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('VALIDATION.NOT_A_PDF');
    expect(storedFiles()).toBe(files);
    expect(await count('external_certificates')).toBe(rows);
  });

  it('a file over EXTERNAL_CERTIFICATE_MAX_BYTES is refused with 413 and nothing is stored', async () => {
    const files = storedFiles();
    const rows = await count('external_certificates');
    const response = await upload(as.lena, {}, { content: pdfBytes(MAX_BYTES + 1) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('VALIDATION.FILE_TOO_LARGE');
    expect(storedFiles()).toBe(files);
    expect(await count('external_certificates')).toBe(rows);
  });

  it('with the feature off uploads are refused (403); with validation off they are recorded', async () => {
    await setSetting('external-certificates.enabled', false);
    const off = await upload(as.lena, {});
    expect(off.status).toBe(403);
    expect(off.body.code).toBe('VALIDATION.FEATURE_OFF');
    await setSetting('external-certificates.enabled', true);
    await setSetting('external-certificates.validation-required', false);
    try {
      const recorded = await upload(as.lena, { name: 'Recorded one' });
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
      expect(recorded.body).toMatchObject({ state: 'recorded', reviewer: null, fallbackReviewer: null });
      expect(await count('outbox_messages', `event_type = 'validation.external-certificate-recorded.v1' and payload->>'externalCertificateId' = $1`, [recorded.body.id])).toBe(1);
    } finally {
      await setSetting('external-certificates.validation-required', true);
    }
  });

  it('a learner without manager goes to the admin of their group (or its ancestors)', async () => {
    const lena = await upload(as.lena, {});
    expect(lena.body.reviewer).toMatchObject({ id: ids.groupAdmin, tier: 'group-admin' });
    // Lucy is in Warehouse, a subgroup of Operations.
    const lucy = await upload(as.lucy, {});
    expect(lucy.body.reviewer).toMatchObject({ id: ids.groupAdmin, tier: 'group-admin' });
    expect(lucy.body.fallbackReviewer).toMatchObject({ id: ids.admin });
    const tasks = await groupAdmin.get('/api/reviews?state=pending');
    expect(tasks.body.items.map((item: { id: string }) => item.id)).toEqual(expect.arrayContaining([lena.body.id, lucy.body.id]));
  });
});
