import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { CommandBus } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterObtainedCertificatesCommand, type CertificateRegistration, type RegisterObtainedCertificateInput } from '#libs/contracts/certificates/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { collectEvents } from '#libs/outbox/outbox.js';
import { AuthenticationService } from '../../src/modules/users/application/authentication.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The Certificates module's bulk registration (import chunks) on the command bus, against real PostgreSQL. */
describe('RegisterObtainedCertificatesCommand', () => {
  let app: TestApp;
  let orm: MikroORM;
  const userIds = new Map<string, string>();

  const principalOf = async (email: string): Promise<Principal> => {
    const [row] = await app.sql<{ id: string }>('select id from users where email = $1', [email]);
    return (await RequestContext.create(orm.em, () => app.running.app.get(AuthenticationService).loadPrincipal(row.id, 'access-token')))!;
  };

  /** Runs the command in a transaction of its own, flushed as an import chunk flushes. */
  const registerAll = (principal: Principal, inputs: RegisterObtainedCertificateInput[]) =>
    RequestContext.create(orm.em.fork(), async () =>
      orm.em.getContext().transactional(async (tx) =>
        RequestContext.create(tx, () =>
          collectEvents(tx, async () => {
            const registered = (await app.running.app.get(CommandBus).execute(new RegisterObtainedCertificatesCommand(principal, inputs))) as CertificateRegistration[];
            await tx.flush();
            return registered;
          }),
        ),
      ),
    );
  const refusal = (result: CertificateRegistration) => ('refused' in result ? result.refused.code : 'registered');

  beforeAll(async () => {
    app = await startTestApp();
    orm = app.running.app.get(MikroORM);
    for (const row of await app.sql<{ id: string; user_code: string }>('select id, user_code from users')) userIds.set(row.user_code, row.id);
  });
  afterAll(() => app?.close());

  it('answers each input in order, refusing some without stopping the others, and writes the rest with their events in one flush', async () => {
    const groupAdmin = await principalOf('groupadmin@example.com');
    const input = (userCode: string, extra: Record<string, unknown> = {}) => ({
      userId: userIds.get(userCode) ?? userCode,
      definitionCode: 'EHBO',
      dateObtained: '2024-03-01',
      number: `BULK-${userCode}`,
      source: 'import' as const,
      ...extra,
    });
    const inputs = [
      input('L-1001'),
      input('L-1004'), // Sales: outside the group admin's groups, so not found
      input('L-1002', { dateObtained: '2999-01-01' }),
      input('L-1003', { definitionCode: 'NO-SUCH-DEFINITION' }),
      input('not-a-user-id'),
      input('L-1002', { definitionCode: 'ehbo' }),
    ];
    const results = await registerAll(groupAdmin, inputs);

    expect(results.map(refusal)).toEqual([
      'registered',
      'CERTIFICATES.USER_NOT_FOUND',
      'CERTIFICATES.OBTAINED_IN_FUTURE',
      'CERTIFICATES.DEFINITION_NOT_FOUND',
      'CERTIFICATES.USER_NOT_FOUND',
      'registered',
    ]);
    const ids = results.flatMap((result) => ('id' in result ? [result.id] : []));
    const written = await app.sql<{ id: string; user_id: string; number: string; source: string }>(
      'select id, user_id, number, source from obtained_certificates where id = any($1::uuid[]) order by number',
      [ids],
    );
    expect(written).toEqual([
      { id: ids[0], user_id: userIds.get('L-1001'), number: 'BULK-L-1001', source: 'import' },
      { id: ids[1], user_id: userIds.get('L-1002'), number: 'BULK-L-1002', source: 'import' },
    ]);
    const events = await app.sql<{ payload: { $batch?: { certificateId: string }[]; certificateId?: string } }>(
      `select payload from outbox_messages where event_type = 'certificates.obtained-certificate-registered.v1'`,
    );
    const announced = events.flatMap(({ payload }) => (payload.$batch ?? [payload]).map((event) => event.certificateId));
    expect(announced.filter((id) => ids.includes(id!)).sort()).toEqual([...ids].sort());
  });

  it('numbers automatically in order, stores attachments, and refuses a file that is not a PDF or an image without writing its certificate', async () => {
    const admin = await principalOf('admin@example.com');
    await app.sql(
      // A copy of EHBO with its own code and automatic numbers.
      `insert into certificate_definitions
         select (jsonb_populate_record(null::certificate_definitions,
                   to_jsonb(d) || jsonb_build_object('id', gen_random_uuid(), 'code', 'BULK-AUTO', 'name', 'Bulk auto', 'number_prefix', 'BA-'))).*
           from certificate_definitions d where code = 'EHBO'`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'cit-bulk-'));
    try {
      writeFileSync(join(dir, 'proof.pdf'), '%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
      writeFileSync(join(dir, 'notes.pdf'), 'just text, named .pdf');
      const input = (userCode: string, extra: Partial<RegisterObtainedCertificateInput> = {}): RegisterObtainedCertificateInput => ({
        userId: userIds.get(userCode)!,
        definitionCode: 'BULK-AUTO',
        dateObtained: '2024-05-01',
        autoNumber: true,
        source: 'import',
        ...extra,
      });
      const results = await registerAll(admin, [
        input('L-1001', { attachment: { kind: 'local-file', path: join(dir, 'proof.pdf'), fileName: 'proof.pdf' } }),
        input('L-1002', { attachment: { kind: 'local-file', path: join(dir, 'notes.pdf'), fileName: 'notes.pdf' } }),
        input('L-1003'),
      ]);
      expect(results.map(refusal)).toEqual(['registered', 'CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED', 'registered']);
      expect(results.map((result) => ('number' in result ? result.number : null))).toEqual(['BA-000001', null, 'BA-000002']);
      const ids = results.flatMap((result) => ('id' in result ? [result.id] : []));
      const written = await app.sql<{ number: string; auto_numbered: boolean; file_name: string | null; media_type: string | null }>(
        `select c.number, c.auto_numbered, a.original_file_name as file_name, a.media_type from obtained_certificates c
           left join obtained_certificate_attachments a on a.certificate_id = c.id
          where c.id = any($1::uuid[]) order by c.number`,
        [ids],
      );
      expect(written).toEqual([
        { number: 'BA-000001', auto_numbered: true, file_name: 'proof.pdf', media_type: 'application/pdf' },
        { number: 'BA-000002', auto_numbered: true, file_name: null, media_type: null },
      ]);
      const forRefused = await app.sql(`select 1 from obtained_certificates where user_id = $1 and number like 'BA-%'`, [userIds.get('L-1002')]);
      expect(forRefused).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
