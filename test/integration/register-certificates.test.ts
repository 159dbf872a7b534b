import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { CommandBus } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterObtainedCertificatesCommand, type CertificateRegistration } from '#libs/contracts/certificates/index.js';
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
    const results = await RequestContext.create(orm.em.fork(), async () => {
      const em = orm.em.getContext();
      return em.transactional(async (tx) =>
        RequestContext.create(tx, () =>
          collectEvents(tx, async () => {
            const registered = (await app.running.app.get(CommandBus).execute(new RegisterObtainedCertificatesCommand(groupAdmin, inputs))) as CertificateRegistration[];
            await tx.flush();
            return registered;
          }),
        ),
      );
    });

    const refusal = (result: CertificateRegistration) => ('refused' in result ? result.refused.code : 'registered');
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
});
