import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  AllocateCertificateNumbersCommand,
  FindDefinitionsByCodesQuery,
  ObtainedCertificateRegistered,
  RegisterObtainedCertificateCommand,
} from '#libs/contracts/certificates/index.js';
import { withChunkLookups } from '#libs/database/chunk-lookups.js';
import { ALL_PERMISSIONS, GetUsersInScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { IntegrationEventDispatcher } from '#libs/outbox/integration-event-dispatcher.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX_ATTACHMENT_BYTES = 64 * 1024;

/** A PDF as far as anyone can tell from its bytes, different every time. */
function pdfBytes(size = 2048): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const tail = Buffer.from('\n%%EOF\n');
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length - tail.length)), tail]);
}

describe('certificates: catalogue, registration, attachments, scope and the reporting read model', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;
  let category: { id: string };
  const users: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({ env: { MAX_ATTACHMENT_BYTES: String(MAX_ATTACHMENT_BYTES) } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    for (const code of ['L-1001', 'L-1002', 'L-1003', 'L-1004', 'GA-0001', 'ADM-0001']) {
      users[code] = (await admin.get(`/api/users?userCode=${code}`)).body.items[0].id;
    }
    const created = await admin.post('/api/certificate-categories', { name: 'E2E tests' });
    expect(created.status).toBe(201);
    category = created.body;
  });
  afterAll(() => app?.close());

  const define = async (code: string, extra: { validityMonths?: number | null; numberPrefix?: string | null } = {}) => {
    const response = await admin.post('/api/certificate-definitions', { code, name: `Definition ${code}`, categoryId: category.id, ...extra });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  const register = (as: Http, fields: Record<string, string>, file?: { fileName: string; content: Buffer; contentType?: string }) =>
    as.upload('/api/obtained-certificates', fields, file ? [{ field: 'attachment', ...file }] : []);

  const countRows = async (where = 'true', params: unknown[] = []) =>
    Number((await app.sql<{ count: string }>(`select count(*) as count from obtained_certificates where ${where}`, params))[0].count);

  it('creates, lists, reads, updates and deletes certificate definitions; a duplicate code is a 409 problem', async () => {
    const id = await define('e2e-crud', { validityMonths: 12, numberPrefix: 'CRUD-' });
    const fetched = await admin.get(`/api/certificate-definitions/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id, code: 'E2E-CRUD', name: 'Definition e2e-crud', categoryId: category.id, categoryName: 'E2E tests', validityMonths: 12, numberPrefix: 'CRUD-', certificateCount: 0 });

    const listed = await admin.get(`/api/certificate-definitions?categoryId=${category.id}`);
    expect(listed.body.map((d: { code: string }) => d.code)).toContain('E2E-CRUD');
    expect((await admin.get('/api/certificate-definitions?search=crud')).body).toHaveLength(1);

    const duplicate = await admin.post('/api/certificate-definitions', { code: 'E2E-Crud', name: 'Again', categoryId: category.id });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect(duplicate.body).toMatchObject({ status: 409, code: 'CERTIFICATES.DEFINITION_CODE_TAKEN', params: { code: 'E2E-CRUD' } });
    const dutch = await admin.withHeaders({ 'accept-language': 'nl' }).post('/api/certificate-definitions', { code: 'E2E-CRUD', name: 'Again', categoryId: category.id });
    expect(dutch.body.title).toBe('Er bestaat al een certificaatdefinitie met code E2E-CRUD.');

    expect((await admin.patch(`/api/certificate-definitions/${id}`, { name: 'Renamed', validityMonths: null })).status).toBe(204);
    expect((await admin.get(`/api/certificate-definitions/${id}`)).body).toMatchObject({ name: 'Renamed', validityMonths: null, code: 'E2E-CRUD' });
    const badCode = await admin.patch(`/api/certificate-definitions/${id}`, { code: 'OTHER' });
    expect(badCode.status).toBe(400);

    expect((await groupAdmin.post('/api/certificate-definitions', { code: 'NOPE', name: 'x', categoryId: category.id })).status).toBe(403);
    // The organisation-wide count of certificates is for who manages the catalogue only, not for a group admin.
    const seenByGroupAdmin = await groupAdmin.get(`/api/certificate-definitions/${id}`);
    expect(seenByGroupAdmin.status).toBe(200);
    expect(seenByGroupAdmin.body).not.toHaveProperty('certificateCount');
    expect((await groupAdmin.get(`/api/certificate-definitions?categoryId=${category.id}`)).body.every((d: object) => !('certificateCount' in d))).toBe(true);

    expect((await admin.delete(`/api/certificate-definitions/${id}`)).status).toBe(204);
    const gone = await admin.get(`/api/certificate-definitions/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('CERTIFICATES.DEFINITION_NOT_FOUND');
  });

  it('keeps category names unique regardless of case and refuses to delete a category in use', async () => {
    const duplicate = await admin.post('/api/certificate-categories', { name: 'e2e TESTS' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('CERTIFICATES.CATEGORY_NAME_TAKEN');
    const spare = await admin.post('/api/certificate-categories', { name: 'Spare' });
    expect((await admin.patch(`/api/certificate-categories/${spare.body.id}`, { name: 'Spare one' })).status).toBe(204);
    expect((await admin.get(`/api/certificate-categories/${spare.body.id}`)).body.name).toBe('Spare one');
    expect((await admin.delete(`/api/certificate-categories/${spare.body.id}`)).status).toBe(204);
    await define('E2E-HOLD');
    const inUse = await admin.delete(`/api/certificate-categories/${category.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('CERTIFICATES.CATEGORY_IN_USE');
  });

  it('registers a certificate with a PDF via multipart and gives the same bytes back', async () => {
    await define('E2E-PDF', { validityMonths: 24 });
    const bytes = pdfBytes(20_000);
    const fileName = 'Certificaat Zoë (scan).pdf';
    const created = await register(
      admin,
      { userId: users['L-1001'], definitionCode: 'e2e-pdf', dateObtained: '2025-05-20', number: 'EXT-001' },
      { fileName, content: bytes, contentType: 'application/octet-stream' },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ userId: users['L-1001'], definitionCode: 'E2E-PDF', dateObtained: '2025-05-20', dateExpires: '2027-05-20', number: 'EXT-001', autoNumbered: false, source: 'manual', registeredBy: expect.any(String) });
    expect(created.body.attachments).toEqual([{ id: expect.any(String), fileName, mediaType: 'application/pdf', size: bytes.length }]);

    const download = await admin.get(`/api/obtained-certificates/${created.body.id}/attachments/${created.body.attachments[0].id}/content`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain(`filename*=UTF-8''Certificaat%20Zo%C3%AB%20%28scan%29.pdf`);
    expect(download.raw.length).toBe(bytes.length);
    expect(download.raw.equals(bytes)).toBe(true);

    // Stored once, content-addressed; the temporary upload is gone.
    const key = createHash('sha256').update(bytes).digest('hex');
    expect(existsSync(join(app.config.storageDir, key.slice(0, 2), key.slice(2, 4), key))).toBe(true);
    await eventually(async () => readdirSync(join(app.config.dataDir, 'tmp', 'uploads')).length === 0);
  });

  it('refuses a file named .pdf that is not a PDF/PNG/JPEG with 415 and writes nothing', async () => {
    await define('E2E-FAKE');
    const before = await countRows();
    const fake = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), randomBytes(4000)]);
    const response = await register(
      admin,
      { userId: users['L-1002'], definitionCode: 'E2E-FAKE', dateObtained: '2025-01-10' },
      { fileName: 'diploma.pdf', content: fake, contentType: 'application/pdf' },
    );
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ code: 'CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED', params: { fileName: 'diploma.pdf' } });
    expect(await countRows()).toBe(before);
    expect(await countRows(`definition_id = (select id from certificate_definitions where code = 'E2E-FAKE')`)).toBe(0);
    const key = createHash('sha256').update(fake).digest('hex');
    expect(existsSync(join(app.config.storageDir, key.slice(0, 2), key.slice(2, 4), key))).toBe(false);
    await eventually(async () => readdirSync(join(app.config.dataDir, 'tmp', 'uploads')).length === 0);
    const events = await app.sql(`select 1 from outbox_messages where payload->>'definitionCode' = 'E2E-FAKE'`);
    expect(events).toHaveLength(0);
  });

  it('refuses an attachment over the size limit with 413 and writes nothing', async () => {
    const before = await countRows();
    const response = await register(
      admin,
      { userId: users['L-1002'], definitionCode: 'E2E-PDF', dateObtained: '2025-01-10' },
      { fileName: 'big.pdf', content: pdfBytes(MAX_ATTACHMENT_BYTES + 1) },
    );
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'CERTIFICATES.ATTACHMENT_TOO_LARGE', params: { limit: '64 KB' } });
    expect(await countRows()).toBe(before);
    await eventually(async () => readdirSync(join(app.config.dataDir, 'tmp', 'uploads')).length === 0);
  });

  it('computes the expiry from the definition validity and enforces the domain rules', async () => {
    await define('E2E-13M', { validityMonths: 13 });
    await define('E2E-FOREVER', { validityMonths: null, numberPrefix: null });
    const computed = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '2024-01-31' });
    expect(computed.status).toBe(201);
    expect(computed.body.dateExpires).toBe('2025-02-28');
    const [row] = await app.sql<{ expires_on: string }>(`select to_char(expires_on, 'YYYY-MM-DD') as expires_on from obtained_certificates where id = $1`, [computed.body.id]);
    expect(row.expires_on).toBe('2025-02-28');

    const duplicate = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '2024-01-31', dateExpires: '2024-06-30' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('CERTIFICATES.ALREADY_REGISTERED');
    const explicit = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '2024-01-30', dateExpires: '2024-06-30' });
    expect(explicit.body.dateExpires).toBe('2024-06-30');
    const forever = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-FOREVER', dateObtained: '2024-01-31' });
    expect(forever.body.dateExpires).toBeNull();

    const backwards = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '2024-01-31', dateExpires: '2024-01-30' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('CERTIFICATES.EXPIRY_BEFORE_OBTAINED');
    const both = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '2024-01-31', number: 'X', autoNumber: 'true' });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('CERTIFICATES.AUTO_NUMBER_WITH_NUMBER');
    const noNumbering = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-FOREVER', dateObtained: '2024-01-31', autoNumber: 'true' });
    expect(noNumbering.body.code).toBe('CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED');
    const badDate = await register(admin, { userId: users['L-1002'], definitionCode: 'E2E-13M', dateObtained: '31-01-2024' });
    expect(badDate.body).toMatchObject({ status: 400, code: 'CERTIFICATES.DATE_INVALID', params: { field: 'dateObtained' } });
    const unknown = await register(admin, { userId: users['L-1002'], definitionCode: 'NO-SUCH-CODE', dateObtained: '2024-01-31' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CERTIFICATES.DEFINITION_NOT_FOUND');

    const listed = await admin.get(`/api/obtained-certificates?userId=${users['L-1002']}&expiringBefore=2025-01-01&pageSize=100`);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([explicit.body.id]);
  });

  it('hands out unique, sequential automatic numbers, also under concurrent registrations', async () => {
    const definitionId = await define('E2E-AUTO', { validityMonths: 60, numberPrefix: 'AUTO-' });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        register(admin, { userId: users[i % 2 ? 'L-1001' : 'L-1003'], definitionId, dateObtained: '2025-02-01', autoNumber: 'true' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const numbers = responses.map((r) => r.body.number as string).sort();
    expect(numbers).toEqual(Array.from({ length: 8 }, (_, i) => `AUTO-${String(i + 1).padStart(6, '0')}`));
    expect(responses.every((r) => r.body.autoNumbered === true)).toBe(true);
    const next = await register(admin, { userId: users['L-1001'], definitionCode: 'E2E-AUTO', dateObtained: '2025-02-02', autoNumber: 'true' });
    expect(next.body.number).toBe('AUTO-000009');
    // The same endpoint takes JSON when there is no file.
    const json = await admin.post('/api/obtained-certificates', { userId: users['L-1003'], definitionCode: 'E2E-AUTO', dateObtained: '2025-02-03', autoNumber: true });
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({ number: 'AUTO-000010', dateExpires: '2030-02-03', attachments: [] });

    const inUse = await admin.delete(`/api/certificate-definitions/${definitionId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('CERTIFICATES.DEFINITION_IN_USE');
  });

  it('lets an import reserve a block of numbers and write a chunk in one unit of work; a rollback leaves a gap', async () => {
    const definitionId = await define('E2E-BLOCK', { validityMonths: 12, numberPrefix: 'BLK-' });
    const nest = app.running.app;
    const [orm, commands, queries] = [nest.get(MikroORM), nest.get(CommandBus), nest.get(QueryBus)];
    const principal: Principal = {
      userId: users['ADM-0001'], email: 'admin@example.com', displayName: 'Ada Admin', language: 'en',
      roles: ['platform-admin'], permissions: ALL_PERMISSIONS, authenticatedWith: 'access-token',
    };
    const learners = [users['L-1001'], users['L-1002'], users['L-1003']];
    // What an import chunk job does: its own context and lookup scope, batch lookups, one flush for the chunk.
    const chunk = (fail: boolean) =>
      RequestContext.create(orm.em.fork(), () => withChunkLookups(async () => {
        const numbers = await commands.execute(new AllocateCertificateNumbersCommand(definitionId, learners.length));
        const definitions = await queries.execute(new FindDefinitionsByCodesQuery(['e2e-block', 'unknown-code']));
        await queries.execute(new GetUsersInScopeQuery(principal, learners));
        await RequestContext.getEntityManager()!.transactional(async () => {
          for (const [i, userId] of learners.entries()) {
            await commands.execute(
              new RegisterObtainedCertificateCommand(
                principal,
                { userId, definitionCode: 'E2E-BLOCK', dateObtained: '2025-07-01', allocatedNumber: numbers[i], source: 'import' },
                { flush: false },
              ),
            );
          }
          if (fail) throw new Error('the chunk fails');
        });
        return { numbers, definitions };
      }));

    const { numbers, definitions } = await chunk(false);
    expect(numbers).toEqual(['BLK-000001', 'BLK-000002', 'BLK-000003']);
    expect(definitions.map((d) => d.code)).toEqual(['E2E-BLOCK']);
    const rows = await app.sql<{ number: string; source: string; auto_numbered: boolean }>(
      `select number, source, auto_numbered from obtained_certificates where definition_id = $1 order by number`,
      [definitionId],
    );
    expect(rows).toEqual(numbers.map((number) => ({ number, source: 'import', auto_numbered: true })));
    expect(await app.sql(`select 1 from outbox_messages where payload->>'definitionId' = $1`, [definitionId])).toHaveLength(3);

    await expect(chunk(true)).rejects.toThrow('the chunk fails');
    expect(await countRows('definition_id = $1', [definitionId])).toBe(3);
    expect(await app.sql(`select 1 from outbox_messages where payload->>'definitionId' = $1`, [definitionId])).toHaveLength(3);
    const after = await register(admin, { userId: users['L-1001'], definitionId, dateObtained: '2025-07-02', autoNumber: 'true' });
    expect(after.body.number).toBe('BLK-000007'); // 4 to 6 went with the rolled-back chunk

    // The counter moves in a transaction of its own: a caller's open transaction does not hold its lock,
    // so another request (its own context, its own connection) gets a number meanwhile.
    const both = await RequestContext.create(orm.em.fork(), () =>
      RequestContext.getEntityManager()!.transactional(async () => {
        const [mine] = await commands.execute(new AllocateCertificateNumbersCommand(definitionId, 1));
        const other = await Promise.race([
          register(admin, { userId: users['L-1002'], definitionId, dateObtained: '2025-07-03', autoNumber: 'true' }).then((r) => r.body.number as string),
          new Promise<string>((resolve) => setTimeout(() => resolve('blocked'), 3000)),
        ]);
        return [mine, other];
      }),
    );
    expect(both).toEqual(['BLK-000008', 'BLK-000009']);
  });

  it('limits a group admin to certificates of users in their groups', async () => {
    const outside = (await admin.get(`/api/obtained-certificates?userId=${users['L-1004']}`)).body.items[0];
    expect(outside).toBeDefined(); // the demo data gives L-1004 a BHV certificate
    const hidden = await groupAdmin.get(`/api/obtained-certificates/${outside.id}`);
    const missing = await groupAdmin.get(`/api/obtained-certificates/${randomUUID()}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('CERTIFICATES.CERTIFICATE_NOT_FOUND');
    expect(hidden.body.title).toBe(missing.body.title);
    expect((await admin.get(`/api/obtained-certificates/${outside.id}`)).status).toBe(200);

    const inScope = new Set([users['L-1001'], users['L-1002'], users['L-1003'], users['GA-0001']]);
    const listed = await groupAdmin.get('/api/obtained-certificates?pageSize=500');
    expect(listed.status).toBe(200);
    const holders = new Set(listed.body.items.map((c: { userId: string }) => c.userId));
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect([...holders].every((id) => inScope.has(id as string))).toBe(true);
    expect(holders.has(users['L-1004'])).toBe(false);
    expect(listed.body.meta.total).toBe(await countRows('user_id = any($1::uuid[])', [[...inScope]]));
    const all = await admin.get('/api/obtained-certificates?pageSize=500');
    expect(all.body.meta.total).toBe(await countRows());
    expect(all.body.meta.total).toBeGreaterThan(listed.body.meta.total);
    expect((await groupAdmin.get(`/api/obtained-certificates?userId=${users['L-1004']}`)).body.meta.total).toBe(0);
    const learner = await http.login('lena@example.com');
    const own = await learner.get('/api/obtained-certificates?pageSize=500');
    expect(own.body.meta.total).toBe(await countRows('user_id = $1', [users['L-1001']]));
    expect(own.body.items.every((c: { userId: string }) => c.userId === users['L-1001'])).toBe(true);
    expect((await learner.get(`/api/obtained-certificates/${outside.id}`)).status).toBe(404);

    const before = await countRows();
    const registerOutside = await register(groupAdmin, { userId: users['L-1004'], definitionCode: 'VCA-BASIS', dateObtained: '2025-01-01' });
    expect(registerOutside.status).toBe(404);
    expect(registerOutside.body.code).toBe('CERTIFICATES.USER_NOT_FOUND');
    expect(await countRows()).toBe(before);
    const registerInside = await register(groupAdmin, { userId: users['L-1003'], definitionCode: 'VCA-BASIS', dateObtained: '2025-01-01', autoNumber: 'true' });
    expect(registerInside.status).toBe(201);
    expect(registerInside.body.number).toMatch(/^VCA-\d{6}$/);

    // An attachment is as visible as the certificate it belongs to.
    const withFile = await register(admin, { userId: users['L-1004'], definitionCode: 'VCA-BASIS', dateObtained: '2025-01-01' }, { fileName: 'lars.pdf', content: pdfBytes() });
    const url = `/api/obtained-certificates/${withFile.body.id}/attachments/${withFile.body.attachments[0].id}/content`;
    expect((await admin.get(url)).status).toBe(200);
    expect((await groupAdmin.get(url)).status).toBe(404);
  });

  it('feeds the certificates-per-month report through the outbox', async () => {
    const definitionId = await define('E2E-REPORT', { validityMonths: 12 });
    for (const dateObtained of ['2025-03-03', '2025-03-28', '2025-04-01']) {
      expect((await register(admin, { userId: users['L-1001'], definitionId, dateObtained })).status).toBe(201);
    }
    const rows = await eventually(async () => {
      const response = await admin.get('/api/reports/certificates-per-month?definitionCode=e2e-report');
      const total = response.body.reduce((sum: number, row: { certificates: number }) => sum + row.certificates, 0);
      return total === 3 && response.body;
    });
    expect(rows).toEqual([
      { definitionId, definitionCode: 'E2E-REPORT', month: '2025-03', certificates: 2 },
      { definitionId, definitionCode: 'E2E-REPORT', month: '2025-04', certificates: 1 },
    ]);
    const april = await admin.get('/api/reports/certificates-per-month?definitionCode=E2E-REPORT&from=2025-04&to=2025-12');
    expect(april.body).toEqual([{ definitionId, definitionCode: 'E2E-REPORT', month: '2025-04', certificates: 1 }]);
    expect((await admin.get('/api/reports/certificates-per-month?from=2025-4')).status).toBe(400);
    // The demo registrations went the same way.
    const demo = await eventually(async () => (await admin.get('/api/reports/certificates-per-month?definitionCode=VCA-BASIS')).body.length > 0);
    expect(demo).toBe(true);
    const learner = await http.login('lena@example.com');
    expect((await learner.get('/api/reports/certificates-per-month')).status).toBe(403);
  });

  it('counts an event delivered twice only once', async () => {
    const definitionId = await define('E2E-TWICE');
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const event = {
      id: randomUUID(),
      type: ObtainedCertificateRegistered.type,
      occurredAt: new Date().toISOString(),
      payload: {
        certificateId: randomUUID(),
        userId: users['L-1001'],
        definitionId,
        definitionCode: 'E2E-TWICE',
        obtainedOn: '2001-01-15',
        expiresOn: null,
        source: 'manual',
      },
    };
    const report = async () => (await admin.get('/api/reports/certificates-per-month?definitionCode=E2E-TWICE')).body;
    expect(await report()).toEqual([]);
    await dispatcher.deliver(event);
    await dispatcher.deliver(event);
    expect(await report()).toEqual([{ definitionId, definitionCode: 'E2E-TWICE', month: '2001-01', certificates: 1 }]);
    // A different event for the same month does count.
    await dispatcher.deliver({ ...event, id: randomUUID() });
    expect(await report()).toEqual([{ definitionId, definitionCode: 'E2E-TWICE', month: '2001-01', certificates: 2 }]);
  });

  it("corrects a definition's code on all its report rows when a registration carries another one, and only then", async () => {
    const definitionId = await define('E2E-RECODE');
    const dispatcher = app.running.app.get(IntegrationEventDispatcher);
    const payload = (user: string, definitionCode: string, obtainedOn: string) => ({
      certificateId: randomUUID(),
      userId: users[user],
      definitionId,
      definitionCode,
      obtainedOn,
      expiresOn: null,
      source: 'import',
    });
    const deliver = (payloads: ReturnType<typeof payload>[]) =>
      dispatcher.deliver({
        id: randomUUID(),
        type: ObtainedCertificateRegistered.type,
        occurredAt: new Date().toISOString(),
        payload: payloads.length === 1 ? payloads[0] : { $batch: payloads },
      });
    const report = async (code: string) => (await admin.get(`/api/reports/certificates-per-month?definitionCode=${code}`)).body;
    const rowCodes = async () =>
      (await app.sql<{ definition_code: string }>(`select distinct definition_code from reporting_certificates_per_month where definition_id = $1 order by 1`, [definitionId])).map(
        (row) => row.definition_code,
      );
    const knownCode = async () =>
      (await app.sql<{ definition_code: string }>(`select definition_code from reporting_definition_codes where definition_id = $1`, [definitionId]))[0]?.definition_code;

    await deliver([payload('L-1001', 'E2E-RECODE', '2002-01-10')]);
    await deliver([payload('L-1001', 'E2E-RECODE', '2002-02-10'), payload('L-1002', 'E2E-RECODE', '2002-02-11'), payload('L-1002', 'E2E-RECODE', '2002-03-01')]);
    expect(await report('E2E-RECODE')).toEqual([
      { definitionId, definitionCode: 'E2E-RECODE', month: '2002-01', certificates: 1 },
      { definitionId, definitionCode: 'E2E-RECODE', month: '2002-02', certificates: 2 },
      { definitionId, definitionCode: 'E2E-RECODE', month: '2002-03', certificates: 1 },
    ]);
    expect(await knownCode()).toBe('E2E-RECODE');

    // The definition's code as a later registration carries it (written here as a renamed definition would
    // send it): every row of the definition, not only the month and user of that registration, takes it.
    await deliver([payload('L-1003', 'E2E-RECODED', '2002-04-02'), payload('L-1001', 'E2E-RECODED', '2002-02-20')]);
    expect(await report('E2E-RECODE')).toEqual([]);
    expect(await report('E2E-RECODED')).toEqual([
      { definitionId, definitionCode: 'E2E-RECODED', month: '2002-01', certificates: 1 },
      { definitionId, definitionCode: 'E2E-RECODED', month: '2002-02', certificates: 3 },
      { definitionId, definitionCode: 'E2E-RECODED', month: '2002-03', certificates: 1 },
      { definitionId, definitionCode: 'E2E-RECODED', month: '2002-04', certificates: 1 },
    ]);
    expect(await rowCodes()).toEqual(['E2E-RECODED']);
    expect(await knownCode()).toBe('E2E-RECODED');

    // A registration with the code the rows already carry leaves the other rows alone (the update that
    // looked at all of them on every batch is gone): a row given another code behind the projection's back
    // keeps it, while the rows the registration counts in take the batch's code as before.
    await app.sql(`update reporting_certificates_per_month set definition_code = 'UNTOUCHED' where definition_id = $1 and month = '2002-01-01'`, [definitionId]);
    await deliver([payload('L-1003', 'E2E-RECODED', '2002-04-03')]);
    expect((await report('E2E-RECODED')).map((row: { month: string; certificates: number }) => [row.month, row.certificates])).toEqual([
      ['2002-02', 3],
      ['2002-03', 1],
      ['2002-04', 2],
    ]);
    expect(await rowCodes()).toEqual(['E2E-RECODED', 'UNTOUCHED']);

    // Back to the first code (a late event of before the change): all rows follow again, as the last batch always decided.
    await deliver([payload('L-1002', 'E2E-RECODE', '2002-05-05')]);
    expect(await rowCodes()).toEqual(['E2E-RECODE']);
    expect(await knownCode()).toBe('E2E-RECODE');
  });
});
