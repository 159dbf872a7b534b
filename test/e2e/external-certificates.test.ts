import { randomBytes } from 'node:crypto';
import { readdirSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoredFileCollector } from '#libs/storage/stored-file-collector.js';
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
    app = await startTestApp({ env: { EXTERNAL_CERTIFICATE_MAX_BYTES: String(MAX_BYTES), REVIEW_SWEEP_INTERVAL_MS: '0', STORAGE_COLLECT_GRACE_MS: '0' } });
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

  const createUser = async (firstName: string, roleKeys: string[], groupIds: string[] = []) => {
    const response = await admin.post('/api/users', {
      email: `${firstName.toLowerCase()}-${randomBytes(3).toString('hex')}@example.com`,
      firstName,
      lastName: 'Tester',
      roleKeys,
      groupIds,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  const relate = async (managerId: string, manageeId: string, kind: 'manager' | 'coach') => {
    const response = await admin.put(`/api/users/${managerId}/managees/${manageeId}`, { kind });
    expect(response.status, JSON.stringify(response.body)).toBe(204);
  };

  it('a coach reviews their coachee', async () => {
    // The demo data has Cora Coach (CO-0001) coaching Leo (L-1005), who has no manager.
    const coach = (await admin.get('/api/users?userCode=CO-0001')).body.items[0].id as string;
    const response = await upload(as.leo, {});
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.reviewer).toMatchObject({ id: coach, tier: 'coach', name: 'Cora Coach' });
    expect(response.body.fallbackReviewer).toMatchObject({ id: ids.admin });
  });

  it('with reviewer type group-admins, the group admin reviews even a learner who has a manager', async () => {
    await relate(ids.manager, ids.liam, 'manager');
    const byManager = await upload(as.liam, {});
    expect(byManager.body.reviewer).toMatchObject({ id: ids.manager, tier: 'manager' });
    expect(byManager.body.fallbackReviewer).toMatchObject({ id: ids.groupAdmin });
    await setSetting('external-certificates.reviewer-type', 'group-admins');
    try {
      const byGroupAdmin = await upload(as.liam, {});
      expect(byGroupAdmin.body.reviewer).toMatchObject({ id: ids.groupAdmin, tier: 'group-admin' });
      // Lars (Sales) has a manager but no group admin: a platform admin reviews.
      const lars = await upload(as.lars, {});
      expect(lars.body.reviewer).toMatchObject({ id: ids.admin, tier: 'platform-admin' });
    } finally {
      await setSetting('external-certificates.reviewer-type', 'managers');
      await admin.delete(`/api/users/${ids.manager}/managees/${ids.liam}`);
    }
  });

  it('an upload for another user respects scope: a group admin for a member (even a deleted one) yes, for someone outside 404', async () => {
    const forLena = await upload(groupAdmin, { userId: ids.lena });
    expect(forLena.status, JSON.stringify(forLena.body)).toBe(201);
    expect(forLena.body).toMatchObject({ user: { id: ids.lena }, uploadedBy: { id: ids.groupAdmin } });
    const outside = await upload(groupAdmin, { userId: ids.lars });
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('VALIDATION.USER_NOT_FOUND');
    const unknown = await upload(groupAdmin, { userId: '00000000-0000-4000-8000-000000000001' });
    expect(unknown.status).toBe(404);
    // A learner cannot upload for someone else, in scope or not.
    expect((await upload(as.lena, { userId: ids.liam })).status).toBe(404);
    // A manager may upload for a managee.
    expect((await upload(manager, { userId: ids.lars })).status).toBe(201);
    expect((await upload(manager, { userId: ids.lena })).status).toBe(404);
    // Deleted users stay in their groups: their admin may still upload for them.
    const member = await createUser('Dora', ['learner'], [await groupId('Operations')]);
    expect((await admin.delete(`/api/users/${member}`)).status).toBe(204);
    const forDeleted = await upload(groupAdmin, { userId: member });
    expect(forDeleted.status, JSON.stringify(forDeleted.body)).toBe(201);
    expect(forDeleted.body.state).toBe('pending_review');
  });

  const groupId = async (name: string) => ((await admin.get('/api/groups')).body as { id: string; name: string }[]).find((group) => group.name === name)!.id;

  const definition = async () => {
    const category = await admin.post('/api/certificate-categories', { name: `External ${randomBytes(3).toString('hex')}` });
    const created = await admin.post('/api/certificate-definitions', { code: `EXT-${randomBytes(3).toString('hex')}`, name: 'First aid', categoryId: category.body.id });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };

  it('while validation is required, only reviewers may associate a definition; an unknown one is refused', async () => {
    const definitionId = await definition();
    const learner = await upload(as.lars, { definitionId });
    expect(learner.status).toBe(403);
    expect(learner.body.code).toBe('VALIDATION.ASSOCIATION_NOT_ALLOWED');
    const byManager = await upload(manager, { userId: ids.lars, definitionId });
    expect(byManager.status, JSON.stringify(byManager.body)).toBe(201);
    expect(byManager.body.definitionId).toBe(definitionId);
    const unknown = await upload(manager, { userId: ids.lars, definitionId: '00000000-0000-4000-8000-000000000002' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('VALIDATION.DEFINITION_UNKNOWN');
    await setSetting('external-certificates.validation-required', false);
    try {
      const recorded = await upload(as.lars, { definitionId });
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
      expect(recorded.body).toMatchObject({ state: 'recorded', definitionId });
    } finally {
      await setSetting('external-certificates.validation-required', true);
    }
  });

  it('field rules answer 400 with their code: future delivery, expiry before delivery, blank name', async () => {
    const rows = await count('external_certificates');
    expect((await upload(as.lena, { deliveredOn: '2999-01-01' })).body.code).toBe('VALIDATION.DELIVERED_IN_FUTURE');
    expect((await upload(as.lena, { expiresOn: '2020-01-01' })).body.code).toBe('VALIDATION.EXPIRY_BEFORE_DELIVERY');
    expect((await upload(as.lena, { name: ' ' })).status).toBe(400);
    expect((await upload(as.lena, { deliveredOn: '2026-02-30' })).body.code).toBe('VALIDATION.DATE_INVALID');
    expect(await count('external_certificates')).toBe(rows);
  });

  it('a manager cannot review someone who is not their managee (404); the learner never reviews their own (403)', async () => {
    const { body: task } = await upload(as.lena, {});
    expect(task.reviewer.id).toBe(ids.groupAdmin);
    const byManager = await manager.post(`/api/external-certificates/${task.id}/validate`, {});
    expect(byManager.status).toBe(404);
    expect((await manager.get(`/api/external-certificates/${task.id}`)).status).toBe(404);
    expect((await manager.patch(`/api/external-certificates/${task.id}`, { name: 'x' })).status).toBe(404);
    const own = await as.lena.post(`/api/external-certificates/${task.id}/validate`, {});
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('VALIDATION.OWN_CERTIFICATE');
    expect((await as.liam.post(`/api/external-certificates/${task.id}/validate`, {})).status).toBe(404);
    expect((await groupAdmin.get(`/api/external-certificates/${task.id}`)).body.state).toBe('pending_review');
  });

  it('a rejection without a comment is refused (400) and changes nothing; with one it rejects', async () => {
    const { body: task } = await upload(as.lars, {});
    const outbox = await count('outbox_messages');
    for (const body of [{}, { comment: '   ' }]) {
      const refused = await manager.post(`/api/external-certificates/${task.id}/reject`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('VALIDATION.REJECTION_NEEDS_COMMENT');
    }
    const after = await manager.get(`/api/external-certificates/${task.id}`);
    expect(after.body).toMatchObject({ state: 'pending_review', version: 1, decidedAt: null, comment: null });
    expect(await count('outbox_messages')).toBe(outbox);
    expect(await count('external_certificate_history', 'external_certificate_id = $1', [task.id])).toBe(1);
    const rejected = await manager.post(`/api/external-certificates/${task.id}/reject`, { comment: 'Unreadable scan' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ state: 'rejected', comment: 'Unreadable scan' });
    const events = await app.sql<{ payload: { comment: string; decidedBy: string } }>(
      `select payload from outbox_messages where event_type = 'validation.external-certificate-rejected.v1' and payload->>'externalCertificateId' = $1`,
      [task.id],
    );
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ comment: 'Unreadable scan', decidedBy: ids.manager });
  });

  it('two decisions at once: one wins, the other gets 409', async () => {
    const { body: task } = await upload(as.lotte, {});
    const results = await Promise.all([
      manager.post(`/api/external-certificates/${task.id}/validate`, { comment: 'first' }),
      admin.post(`/api/external-certificates/${task.id}/reject`, { comment: 'second' }),
      manager.post(`/api/external-certificates/${task.id}/validate`, { comment: 'third' }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 409, 409]);
    expect(await count('outbox_messages', `event_type in ('validation.external-certificate-validated.v1', 'validation.external-certificate-rejected.v1') and payload->>'externalCertificateId' = $1`, [task.id])).toBe(1);
  });

  it('reviewer edits: PATCH while pending, with an optional version (409 when stale); history says who changed what', async () => {
    const { body: task } = await upload(as.lars, {});
    const edited = await manager.patch(`/api/external-certificates/${task.id}`, { name: 'First aid, level 2', version: 1 });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ name: 'First aid, level 2', version: 2, state: 'pending_review' });
    const stale = await manager.patch(`/api/external-certificates/${task.id}`, { name: 'Other', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('VALIDATION.VERSION_CONFLICT');
    const history = await as.lars.get(`/api/external-certificates/${task.id}/history`);
    expect(history.body.map((entry: { action: string }) => entry.action)).toEqual(['submitted', 'edited']);
    expect(history.body[1]).toMatchObject({ actor: { id: ids.manager }, details: { changes: { name: { from: 'First aid', to: 'First aid, level 2' } } } });
  });

  it('the PDF is readable by the uploader, the learner, the reviewer and an admin in scope; not by another learner or a manager outside scope', async () => {
    const content = pdfBytes(4096);
    const before = storedFiles();
    const { body: task } = await upload(groupAdmin, { userId: ids.lucy }, { fileName: 'Zertifikat für Lucy.pdf', content });
    expect(storedFiles()).toBe(before + 1);
    for (const who of [groupAdmin, as.lucy, admin]) {
      const file = await who.get(`/api/external-certificates/${task.id}/file`);
      expect(file.status).toBe(200);
      expect(file.raw.equals(content)).toBe(true);
      expect(file.headers.get('content-type')).toContain('application/pdf');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
      expect(file.headers.get('content-disposition')).toContain(`filename*=UTF-8''Zertifikat%20f%C3%BCr%20Lucy.pdf`);
    }
    for (const who of [as.lena, manager]) expect((await who.get(`/api/external-certificates/${task.id}/file`)).status).toBe(404);
    expect((await as.lena.get(`/api/external-certificates/${task.id}`)).status).toBe(404);
  });

  it('lists: a learner sees their own, a manager the ones of users in scope, filtered by state; reviews and their count', async () => {
    const own = await as.lotte.get('/api/external-certificates?pageSize=100');
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(own.body.items.every((item: { user: { id: string } }) => item.user.id === ids.lotte)).toBe(true);
    expect(own.body.meta).toMatchObject({ page: 1, pageSize: 100, total: own.body.items.length });
    expect((await as.lotte.get(`/api/external-certificates?userId=${ids.lars}`)).status).toBe(404);
    const validated = await manager.get(`/api/external-certificates?userId=${ids.lotte}&state=validated`);
    expect(validated.body.items.length).toBeGreaterThan(0);
    expect(validated.body.items.every((item: { state: string }) => item.state === 'validated')).toBe(true);
    const inScope = await manager.get('/api/external-certificates?pageSize=500');
    expect(inScope.body.items.every((item: { user: { id: string } }) => [ids.lars, ids.lotte, ids.manager].includes(item.user.id))).toBe(true);
    expect((await manager.get(`/api/external-certificates?userId=${ids.lena}`)).status).toBe(404);
    const paged = await admin.get('/api/external-certificates?pageSize=2&page=2');
    expect(paged.body.items).toHaveLength(2);
    const tasks = await manager.get('/api/reviews?state=pending&pageSize=500');
    expect(tasks.body.items.length).toBeGreaterThan(0);
    expect(tasks.body.items.every((item: { state: string; reviewer: { id: string } }) => item.state === 'pending_review' && item.reviewer.id === ids.manager)).toBe(true);
    expect((await manager.get('/api/reviews/count')).body).toEqual({ pending: tasks.body.meta.total });
    expect((await as.lena.get('/api/reviews/count')).body).toEqual({ pending: 0 });
  });

  it('credits: refused while the setting is off; the total counts validated certificates only', async () => {
    const off = await upload(as.lotte, { credits: '2' });
    expect(off.status).toBe(400);
    expect(off.body.code).toBe('VALIDATION.CREDITS_OFF');
    await setSetting('external-certificates.credits', true);
    try {
      const before = (await as.lotte.get(`/api/users/${ids.lotte}/credits`)).body;
      expect(before).toMatchObject({ userId: ids.lotte, total: 0, certificates: [] });
      const a = (await upload(as.lotte, { credits: '2.5' })).body;
      const b = (await upload(as.lotte, { credits: '1.25' })).body;
      const rejected = (await upload(as.lotte, { credits: '7' })).body;
      await upload(as.lotte, { credits: '9' }); // stays pending
      expect((await upload(as.lotte, { credits: '1.234' })).body.code).toBe('VALIDATION.CREDITS_INVALID');
      expect((await manager.post(`/api/external-certificates/${a.id}/validate`, {})).status).toBe(200);
      expect((await manager.post(`/api/external-certificates/${b.id}/validate`, {})).status).toBe(200);
      expect((await manager.post(`/api/external-certificates/${rejected.id}/reject`, { comment: 'no' })).status).toBe(200);
      const credits = await manager.get(`/api/users/${ids.lotte}/credits`);
      expect(credits.status).toBe(200);
      expect(credits.body.total).toBe(3.75);
      expect(credits.body.certificates.map((line: { externalCertificateId: string }) => line.externalCertificateId).sort()).toEqual([a.id, b.id].sort());
      expect((await as.lena.get(`/api/users/${ids.lotte}/credits`)).status).toBe(404);
      expect((await manager.get(`/api/users/${ids.lena}/credits`)).status).toBe(404);
    } finally {
      await setSetting('external-certificates.credits', false);
    }
  });

  it('with nobody at all to review, the upload is refused with 409 rather than left with nobody', async () => {
    // The platform admin is in no group and the only one holding scope.all: nobody but themself could review theirs.
    const response = await upload(admin, {});
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('VALIDATION.NO_REVIEWER');
  });

  it('a 500 MB upload is refused with 413 from its declared length, before its body is read, and nothing is stored', async () => {
    const files = storedFiles();
    const rows = await count('external_certificates');
    const token = (await http.post('/api/auth/login', { email: 'lena@example.com', password: 'demo-password-1' })).body.accessToken as string;
    const url = new URL('/api/external-certificates', app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(500 * 1024 * 1024) },
        },
        (response) => {
          resolve(response.statusCode ?? 0);
          response.resume();
          request.destroy();
        },
      );
      request.on('error', (error) => (error.message.includes('socket hang up') || error.message.includes('EPIPE') ? undefined : reject(error)));
      // Only the start of the body is ever sent: the answer must come without the rest.
      request.write('--x\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.4\n');
    });
    expect(status).toBe(413);
    expect(storedFiles()).toBe(files);
    expect(await count('external_certificates')).toBe(rows);
  });

  it('the collector of unreferenced files keeps the PDFs of external certificates', async () => {
    const content = pdfBytes(3000);
    const { body: created } = await upload(as.lotte, {}, { content });
    expect(await app.running.app.get(StoredFileCollector).collect()).toMatchObject({ ran: true });
    const file = await as.lotte.get(`/api/external-certificates/${created.id}/file`);
    expect(file.status).toBe(200);
    expect(file.raw.equals(content)).toBe(true);
  });

  it('an escalated task shows in the fallback reviewer\'s tasks too, and the fallback may decide it', async () => {
    const { body: task } = await upload(as.liam, {});
    expect(task.reviewer.id).toBe(ids.groupAdmin);
    expect(task.fallbackReviewer.id).toBe(ids.admin);
    const pendingIds = async (who: Http) => (await who.get('/api/reviews?pageSize=500')).body.items.map((item: { id: string }) => item.id);
    expect(await pendingIds(admin)).not.toContain(task.id);
    const before = (await admin.get('/api/reviews/count')).body.pending;
    // The reminders sweep (escalation after twice the reminder delay) sets escalated_at.
    await app.sql(`update external_certificates set escalated_at = now() where id = $1`, [task.id]);
    expect(await pendingIds(admin)).toContain(task.id);
    expect(await pendingIds(groupAdmin)).toContain(task.id);
    expect((await admin.get('/api/reviews/count')).body.pending).toBe(before + 1);
    expect((await admin.post(`/api/external-certificates/${task.id}/validate`, {})).status).toBe(200);
    expect(await pendingIds(admin)).not.toContain(task.id);
    expect((await admin.get('/api/reviews?state=validated&pageSize=500')).body.items.map((item: { id: string }) => item.id)).toContain(task.id);
  });
});
