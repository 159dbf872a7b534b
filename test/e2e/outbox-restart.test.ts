import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ObtainedCertificateRegistered } from '#libs/contracts/certificates/index.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The outbox's promise: an event committed together with its change is delivered even when the process
 * stops before relaying it. The first app never relays (OUTBOX_RELAY_ENABLED=false); the second one,
 * started on the same database, picks the pending row up.
 */
describe('outbox: an event committed but not yet relayed survives a restart', () => {
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  afterAll(async () => {
    await first?.stop();
    await second?.close(); // was given the database and mail catcher, so it leaves them alone
    if (first) {
      await first.mail.stop();
      await first.database.drop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('delivers the pending ObtainedCertificateRegistered after the restart', async () => {
    first = await startTestApp({ env: { OUTBOX_RELAY_ENABLED: 'false' } });
    const admin = await new Http(first.url).login('admin@example.com');
    const category = await admin.post('/api/certificate-categories', { name: 'Restart' });
    const definition = await admin.post('/api/certificate-definitions', { code: 'RESTART-1', name: 'Restart test', categoryId: category.body.id, validityMonths: 12 });
    expect(definition.status).toBe(201);
    const lena = (await admin.get('/api/users?userCode=L-1001')).body.items[0];
    const registered = await admin.upload('/api/obtained-certificates', { userId: lena.id, definitionCode: 'RESTART-1', dateObtained: '2025-06-15' }, []);
    expect(registered.status).toBe(201);

    const pending = await first.sql<{ id: string; payload: { certificateId: string } }>(
      `select id, payload from outbox_messages where dispatched_at is null and event_type = $1`,
      [ObtainedCertificateRegistered.type],
    );
    const ours = pending.filter((row) => row.payload.certificateId === registered.body.id);
    expect(ours).toHaveLength(1);
    // Give a relay, were one running, the time to act: still nothing is dispatched or projected.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await first.sql(`select 1 from outbox_messages where dispatched_at is not null`)).toHaveLength(0);
    expect((await admin.get('/api/reports/certificates-per-month')).body).toEqual([]);
    expect(await first.sql(`select 1 from reporting_certificates_per_month`)).toHaveLength(0);

    await first.stop();
    second = await startTestApp({ database: first.database, mailCatcher: first.mail, seed: false });
    const again = await new Http(second.url).login('admin@example.com');
    const report = await eventually(async () => {
      const rows = (await again.get('/api/reports/certificates-per-month?definitionCode=RESTART-1')).body;
      return rows.length > 0 && rows;
    });
    expect(report).toEqual([{ definitionId: definition.body.id, definitionCode: 'RESTART-1', month: '2025-06', certificates: 1 }]);
    const [row] = await second.sql<{ dispatched_at: Date | null }>(`select dispatched_at from outbox_messages where id = $1`, [ours[0].id]);
    expect(row.dispatched_at).not.toBeNull();
    const [inbox] = await second.sql<{ count: string }>(`select count(*) as count from processed_events where event_id = $1`, [ours[0].id]);
    expect(Number(inbox.count)).toBe(1);
  });
});
