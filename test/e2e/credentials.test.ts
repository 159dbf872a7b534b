import { CommandBus } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuePasswordLinkCommand } from '#libs/contracts/users/index.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Group {
  id: string;
  name: string;
  ownerGroupId: string | null;
  design: { id: string; name: string };
  customAttributes: { key: string; kind: string; required: boolean }[];
  credentialCount: number;
}
interface Credential {
  id: string;
  groupId: string;
  recipientName: string;
  recipientEmail: string;
  expiresOn: string | null;
  status: string;
  correctedFields: string[];
  version: number;
  design: { id: string; name: string };
  attributes: Record<string, unknown>;
}

/** Today (UTC), read once: every date of the file is relative to it, so a run across midnight stays consistent. */
const TODAY = new Date().toISOString().slice(0, 10);
const inDays = (days: number) => {
  const date = new Date(`${TODAY}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
};

/**
 * The Credentials module through HTTP, on the demo data: "Forklift safety" is owned by Operations (the
 * demo group admin administers it), "Board governance" by platform admins only; 20 credits.
 */
describe('credentials: groups, designs, credentials, scope, recipient corrections, credits, reports', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;
  let forklift: Group;
  let board: Group;

  const credentialsOf = async (caller: Http, query: string) => {
    const response = await caller.get(`/api/credentials?pageSize=500&${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { items: Credential[]; meta: { total: number } };
  };
  const balance = async () => ((await admin.get('/api/credits')).body as { balance: number }).balance;

  beforeAll(async () => {
    app = await startTestApp();
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    const groups = (await admin.get('/api/credential-groups')).body as Group[];
    forklift = groups.find((group) => group.name === 'Forklift safety')!;
    board = groups.find((group) => group.name === 'Board governance')!;
    expect(forklift.ownerGroupId).not.toBeNull();
    expect(board.ownerGroupId).toBeNull();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a group admin sees and changes only the credential groups of user groups they administer; others answer 404', async () => {
    const groups = (await groupAdmin.get('/api/credential-groups')).body as Group[];
    expect(groups.map((group) => group.name)).toEqual(['Forklift safety']);
    expect((await groupAdmin.get(`/api/credential-groups/${board.id}`)).status).toBe(404);
    expect((await groupAdmin.patch(`/api/credential-groups/${board.id}`, { name: 'Mine now' })).status).toBe(404);
    const boardCredential = (await credentialsOf(admin, `groupId=${board.id}`)).items[0];
    expect((await groupAdmin.get(`/api/credentials/${boardCredential.id}`)).status).toBe(404);
    expect((await groupAdmin.patch(`/api/credentials/${boardCredential.id}`, { expectedVersion: boardCredential.version, grade: 'X' })).status).toBe(404);
    expect((await groupAdmin.post(`/api/credentials/${boardCredential.id}/revoke`, {})).status).toBe(404);
    expect((await groupAdmin.post('/api/credentials', { groupId: board.id, recipientName: 'X', recipientEmail: 'x@example.org', issuedOn: '2026-01-01' })).status).toBe(404);
    expect((await credentialsOf(groupAdmin, `groupId=${board.id}`)).meta.total).toBe(0);
    const all = await credentialsOf(groupAdmin, '');
    expect(all.meta.total).toBe(forklift.credentialCount);
    expect(new Set(all.items.map((credential) => credential.groupId))).toEqual(new Set([forklift.id]));
    expect((await admin.get(`/api/credentials/${boardCredential.id}`)).status).toBe(200);
    // Nor can they create a group for platform admins only, or for a user group they do not administer.
    const design = forklift.design.id;
    expect((await groupAdmin.post('/api/credential-groups', { name: 'No owner', designId: design })).status).toBe(403);
    const sales = ((await admin.get('/api/groups')).body as { id: string; name: string }[]).find((group) => group.name === 'Sales')!;
    expect((await groupAdmin.post('/api/credential-groups', { name: 'Sales group', designId: design, ownerGroupId: sales.id })).status).toBe(403);
    const created = await groupAdmin.post('/api/credential-groups', { name: 'Reach trucks', designId: design, ownerGroupId: forklift.ownerGroupId });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await groupAdmin.get(`/api/credential-groups/${created.body.id}`)).body.name).toBe('Reach trucks');
    // A learner has no credentials.manage at all.
    const learner = await http.login('lucy@example.com');
    expect((await learner.get('/api/credential-groups')).status).toBe(403);
  });

  it('lists credentials with filters: status, email, recipient id, expiring before', async () => {
    const all = await credentialsOf(admin, `groupId=${forklift.id}`);
    const expired = await credentialsOf(admin, `groupId=${forklift.id}&status=expired`);
    const active = await credentialsOf(admin, `groupId=${forklift.id}&status=active`);
    expect(expired.meta.total).toBeGreaterThan(0);
    expect(expired.items.every((credential) => credential.status === 'expired' && credential.expiresOn! < inDays(0))).toBe(true);
    expect(active.meta.total + expired.meta.total).toBe(all.meta.total);
    const lena = await credentialsOf(admin, 'email=LENA@example.com');
    expect(lena.items.map((credential) => credential.recipientEmail)).toEqual(['lena@example.com']);
    expect((await credentialsOf(admin, 'recipientId=L-1001')).items.map((credential) => credential.id)).toEqual([lena.items[0].id]);
    const soon = await credentialsOf(admin, `expiringBefore=${inDays(0)}`);
    expect(soon.items.every((credential) => credential.expiresOn! < inDays(0))).toBe(true);
    const page = await admin.get(`/api/credentials?groupId=${forklift.id}&pageSize=5&page=2`);
    expect(page.body.items).toHaveLength(5);
    expect(page.body.meta).toEqual({ page: 2, pageSize: 5, total: all.meta.total });
    expect((await admin.get('/api/credentials?status=lapsed')).status).toBe(400);
  });

  it('creates, updates at a version, validates custom attributes, and revokes', async () => {
    const created = await admin.post('/api/credentials', {
      groupId: forklift.id,
      recipientName: 'Nina Test',
      recipientEmail: 'Nina@Example.org',
      recipientId: 'EMP-9001',
      issuedOn: '2026-01-10',
      expiresOn: inDays(300),
      attributes: { hours: '12', location: 'Delft' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const credential = (await admin.get(`/api/credentials/${created.body.id}`)).body as Credential;
    expect(credential).toMatchObject({ recipientEmail: 'nina@example.org', attributes: { hours: 12, location: 'Delft' }, status: 'active', version: 1, design: { id: forklift.design.id, name: forklift.design.name } });
    const missing = await admin.post('/api/credentials', { groupId: forklift.id, recipientName: 'No Hours', recipientEmail: 'nh@example.org', issuedOn: '2026-01-10' });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('CREDENTIALS.ATTRIBUTE_REQUIRED');
    const wrongKind = await admin.patch(`/api/credentials/${credential.id}`, { expectedVersion: 1, attributes: { hours: 'many' } });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.code).toBe('CREDENTIALS.ATTRIBUTE_NUMBER_INVALID');
    const updated = await admin.patch(`/api/credentials/${credential.id}`, { expectedVersion: 1, grade: 'B+', attributes: { location: null } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toEqual({ version: 2, renewed: false });
    expect((await admin.get(`/api/credentials/${credential.id}`)).body.attributes).toEqual({ hours: 12 });
    const stale = await admin.patch(`/api/credentials/${credential.id}`, { expectedVersion: 1, grade: 'C' });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('CREDENTIALS.VERSION_CONFLICT');
    const events = await app.sql<{ payload: { credentialId: string; changes: Record<string, unknown> } }>(
      `select payload from outbox_messages where event_type = 'credentials.credential-updated.v1' and payload->>'credentialId' = $1`,
      [credential.id],
    );
    expect(events.map((event) => event.payload.changes)).toEqual([{ grade: { before: null, after: 'B+' }, 'attributes.location': { before: 'Delft', after: null } }]);
    expect((await admin.post(`/api/credentials/${credential.id}/revoke`, { expectedVersion: 2 })).status).toBe(200);
    expect((await admin.get(`/api/credentials/${credential.id}`)).body.status).toBe('revoked');
    const afterRevoke = await admin.patch(`/api/credentials/${credential.id}`, { expectedVersion: 3, grade: 'A' });
    expect(afterRevoke.status).toBe(409);
    expect(afterRevoke.body.code).toBe('CREDENTIALS.CREDENTIAL_REVOKED');
  });

  it("changing a group's design is one update of the group: its credentials show the new design, none of them is written", async () => {
    const design = await admin.post('/api/credential-designs', { name: 'Modern certificate', placeholders: ['recipient.name', 'attributes.hours'] });
    expect(design.status, JSON.stringify(design.body)).toBe(201);
    const before = await app.sql<{ id: string; version: number; updated_at: Date }>(`select id, version, updated_at from credentials where group_id = $1 order by id`, [forklift.id]);
    expect((await groupAdmin.patch(`/api/credential-groups/${forklift.id}`, { designId: design.body.id })).status).toBe(204);
    const after = await app.sql<{ id: string; version: number; updated_at: Date }>(`select id, version, updated_at from credentials where group_id = $1 order by id`, [forklift.id]);
    expect(after).toEqual(before);
    const listed = await credentialsOf(groupAdmin, `groupId=${forklift.id}`);
    expect(new Set(listed.items.map((credential) => credential.design.name))).toEqual(new Set(['Modern certificate']));
    expect((await admin.get(`/api/credential-groups/${forklift.id}`)).body.design).toMatchObject({ id: design.body.id, placeholders: ['recipient.name', 'attributes.hours'] });
    // The old design is still used by Board governance: not deleted; the new one is in use now.
    expect((await admin.delete(`/api/credential-designs/${design.body.id}`)).status).toBe(409);
    // The group admin may not change a design used by a group outside their scope.
    expect((await groupAdmin.patch(`/api/credential-designs/${forklift.design.id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await groupAdmin.patch(`/api/credential-designs/${design.body.id}`, { placeholders: ['recipient.name'] })).status).toBe(204);
    const unused = await admin.post('/api/credential-designs', { name: 'Unused' });
    expect((await admin.delete(`/api/credential-designs/${unused.body.id}`)).status).toBe(204);
  });

  it('custom attribute definitions change only safely', async () => {
    const attrs = forklift.customAttributes;
    const patch = (customAttributes: unknown) => groupAdmin.patch(`/api/credential-groups/${forklift.id}`, { customAttributes });
    const removed = await patch(attrs.filter((attribute) => attribute.key !== 'hours'));
    expect(removed.status).toBe(409);
    expect(removed.body.code).toBe('CREDENTIALS.ATTRIBUTE_IN_USE');
    const retyped = await patch(attrs.map((attribute) => (attribute.key === 'hours' ? { ...attribute, kind: 'text' } : attribute)));
    expect(retyped.body.code).toBe('CREDENTIALS.ATTRIBUTE_IN_USE');
    const required = await patch([...attrs, { key: 'instructor', label: 'Instructor', kind: 'text', required: true }]);
    expect(required.status).toBe(409);
    expect(required.body.code).toBe('CREDENTIALS.ATTRIBUTE_MISSING_VALUES');
    expect((await patch([...attrs, { key: 'instructor', label: 'Instructor', kind: 'text' }])).status).toBe(204);
    expect((await patch([...attrs, { key: 'instructor', label: 'Trainer', kind: 'number' }])).status).toBe(204);
    expect((await admin.get(`/api/credential-groups/${forklift.id}`)).body.customAttributes.map((attribute: { key: string }) => attribute.key)).toEqual(['hours', 'location', 'instructor']);
    expect((await patch([{ key: 'Bad Key', label: 'x', kind: 'text' }])).status).toBe(400);
    // A label or key that names a standard column of the update import (header or alias) would take that column's mapping.
    for (const clash of [{ key: 'contact', label: 'E-mailadres' }, { key: 'extra', label: ' recipient name ' }, { key: 'score', label: 'Points' }]) {
      const taken = await patch([...attrs, { ...clash, kind: 'text' }]);
      expect(taken.status, JSON.stringify(clash)).toBe(400);
      expect(taken.body.code).toBe('CREDENTIALS.ATTRIBUTE_NAME_TAKEN');
    }
    const created = await admin.post('/api/credential-groups', { name: 'Clashing labels', designId: forklift.design.id, customAttributes: [{ key: 'naam2', label: 'Naam', kind: 'text' }] });
    expect(created.status).toBe(400);
    expect(created.body.code).toBe('CREDENTIALS.ATTRIBUTE_NAME_TAKEN');
  });

  it('only the recipient corrects their name; it sets the flag and records CredentialUpdated; an admin overwrite clears it', async () => {
    const lena = await http.login('lena@example.com');
    const own = (await lena.get('/api/me/credentials')).body as Credential[];
    expect(own.map((credential) => credential.recipientEmail)).toEqual(['lena@example.com']);
    const [credential] = own;
    expect(credential.correctedFields).toEqual(['recipientName']);
    const corrected = await lena.post(`/api/me/credentials/${credential.id}/name`, { name: 'Lena de Vries' });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(200);
    const liam = await http.login('liam@example.com');
    expect((await liam.post(`/api/me/credentials/${credential.id}/name`, { name: 'Not Lena' })).status).toBe(404);
    expect((await admin.post(`/api/me/credentials/${credential.id}/name`, { name: 'Not Lena' })).status).toBe(404);
    expect((await liam.get('/api/me/credentials')).body).toEqual([]);
    const now = (await admin.get(`/api/credentials/${credential.id}`)).body as Credential;
    expect(now).toMatchObject({ recipientName: 'Lena de Vries', correctedFields: ['recipientName'], version: credential.version + 1 });
    const [event] = await app.sql<{ payload: { changes: unknown; changedBy: string } }>(
      `select payload from outbox_messages where event_type = 'credentials.credential-updated.v1' and payload->>'credentialId' = $1`,
      [credential.id],
    );
    expect(event.payload.changes).toEqual({ recipientName: { before: 'Lena de Vries-Bakker', after: 'Lena de Vries' } });
    expect((await admin.patch(`/api/credentials/${credential.id}`, { expectedVersion: now.version, recipientName: 'L. de Vries' })).status).toBe(200);
    expect((await admin.get(`/api/credentials/${credential.id}`)).body.correctedFields).toEqual([]);
  });

  it('the recipient endpoints need a verified email address: a password set through a link mailed to it verifies it', async () => {
    const created = await admin.post('/api/credentials', { groupId: board.id, recipientName: 'Olga Outsider', recipientEmail: 'olga.outsider@example.org', issuedOn: '2026-01-10' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const credentialId = created.body.id as string;
    const user = await admin.post('/api/users', { email: 'olga.outsider@example.org', firstName: 'Olga', lastName: 'Outsider', sendWelcomeMail: false });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    // A password that did not come through a link mailed to the address (as after a change of address): not verified.
    await app.sql(`update users set password_hash = (select password_hash from users where email = 'lena@example.com') where id = $1`, [user.body.id]);
    const unverified = await http.login('olga.outsider@example.org');
    const listed = await unverified.get('/api/me/credentials');
    expect(listed.status).toBe(403);
    expect(listed.body).toMatchObject({ code: 'CREDENTIALS.EMAIL_NOT_VERIFIED' });
    expect(JSON.stringify(listed.body)).toContain('password reset');
    const refused = await unverified.post(`/api/me/credentials/${credentialId}/name`, { name: 'Not Olga' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'CREDENTIALS.EMAIL_NOT_VERIFIED' });
    expect(((await admin.get(`/api/credentials/${credentialId}`)).body as Credential).recipientName).toBe('Olga Outsider');

    // The reset link mailed to the address, used: the address is hers.
    const link = (await app.running.app.get(CommandBus).execute(new IssuePasswordLinkCommand(user.body.id as string, 'reset'))) as { url: string };
    const token = new URL(link.url).searchParams.get('token')!;
    const set = await fetch(`${app.url}/account/set-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'olga-verified-1', confirmation: 'olga-verified-1' }).toString(),
    });
    expect(set.status).toBe(200);
    const login = await http.post('/api/auth/login', { email: 'olga.outsider@example.org', password: 'olga-verified-1' });
    expect(login.status).toBe(200);
    const verified = http.withHeaders({ authorization: `Bearer ${login.body.accessToken as string}` });
    const own = await verified.get('/api/me/credentials');
    expect(own.status).toBe(200);
    expect((own.body as Credential[]).map((c) => c.id)).toEqual([credentialId]);
    expect((await verified.post(`/api/me/credentials/${credentialId}/name`, { name: 'Olga O. Outsider' })).status).toBe(200);
  });

  it('top-ups are for platform admins and idempotent on their key', async () => {
    expect((await groupAdmin.get('/api/credits')).status).toBe(200);
    expect((await groupAdmin.post('/api/credits/top-ups', { amount: 5 })).status).toBe(403);
    const start = await balance();
    const first = await admin.post('/api/credits/top-ups', { amount: 5, key: 'order-77' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await admin.post('/api/credits/top-ups', { amount: 5, key: 'order-77' });
    expect(again.body.id).toBe(first.body.id);
    expect(await balance()).toBe(start + 5);
    expect((await admin.post('/api/credits/top-ups', { amount: 6, key: 'order-77' })).status).toBe(409);
    const entries = (await admin.get('/api/credits/entries?kind=top-up')).body as { items: { key: string; amount: number }[]; meta: { total: number } };
    expect(entries.items.filter((entry) => entry.key === 'order-77')).toHaveLength(1);
    expect(entries.meta.total).toBe(2);
    // Top-ups belong to no credential group: a group admin does not see them (the balance, yes).
    expect(((await groupAdmin.get('/api/credits/entries?kind=top-up')).body as { meta: { total: number } }).meta.total).toBe(0);
  });

  it('a renewal debits one credit exactly once (concurrent retries included) and is refused beyond the balance', async () => {
    const expired = (await credentialsOf(admin, `groupId=${forklift.id}&status=expired`)).items;
    const [target, second] = expired;
    const start = await balance();
    const body = { expectedVersion: target.version, expiresOn: inDays(365) };
    const [a, b] = await Promise.all([admin.patch(`/api/credentials/${target.id}`, body), admin.patch(`/api/credentials/${target.id}`, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a.body, b.body].find((response) => response.renewed)).toEqual({ version: target.version + 1, renewed: true });
    expect(await balance()).toBe(start - 1);
    const debits = await app.sql<{ amount: number; credential_id: string; group_id: string }>(`select amount, credential_id, group_id from credit_ledger where kind = 'debit'`);
    expect(debits).toEqual([{ amount: -1, credential_id: target.id, group_id: forklift.id }]);
    // The renewal's time is the debit's own (the ledger's clock), so reports put both in one month.
    const [renewal] = await app.sql<{ renewed_at: string; created_at: Date }>(
      `select m.payload->>'renewedAt' as renewed_at, l.created_at from outbox_messages m join credit_ledger l on l.id = (m.payload->>'creditEntryId')::uuid
        where m.event_type = 'credentials.credential-renewed.v1' and m.payload->>'credentialId' = $1`,
      [target.id],
    );
    expect(renewal.renewed_at).toBe(new Date(renewal.created_at).toISOString());
    expect((await admin.get(`/api/credentials/${target.id}`)).body.status).toBe('active');
    // A board renewal for the report's scope check.
    const boardExpired = (await credentialsOf(admin, `groupId=${board.id}&status=expired`)).items[0];
    expect((await admin.patch(`/api/credentials/${boardExpired.id}`, { expectedVersion: boardExpired.version, expiresOn: inDays(30) })).body.renewed).toBe(true);
    // With nothing left, a renewal is refused and changes nothing.
    await app.sql(`update credit_balance set balance = 0`);
    const refused = await admin.patch(`/api/credentials/${second.id}`, { expectedVersion: second.version, expiresOn: inDays(365), grade: 'renewed' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CREDENTIALS.INSUFFICIENT_CREDITS');
    expect((await admin.get(`/api/credentials/${second.id}`)).body).toMatchObject({ version: second.version, expiresOn: second.expiresOn, status: 'expired' });
    // A change that is no renewal costs nothing.
    expect((await admin.patch(`/api/credentials/${second.id}`, { expectedVersion: second.version, grade: 'C' })).status).toBe(200);
  });

  it('reports renewals and credits per month, only for the credential groups the caller manages', async () => {
    // The months of the renewals as the ledger recorded them (not the test's clock, which may have passed a month's end since).
    const months = await app.sql<{ group_id: string; month: string }>(`select group_id, to_char(created_at at time zone 'UTC', 'YYYY-MM') as month from credit_ledger where kind = 'debit'`);
    const forkliftMonth = months.find((row) => row.group_id === forklift.id)!.month;
    const [from, to] = [months.map((row) => row.month).sort()[0], months.map((row) => row.month).sort().at(-1)!];
    const report = async (caller: Http) => {
      const response = await caller.get(`/api/reports/credential-renewals?from=${from}&to=${to}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { groupName: string; renewals: number; creditsUsed: number; month: string }[];
    };
    const all = await eventually(async () => {
      const rows = await report(admin);
      return rows.length === 2 && rows.every((row) => row.creditsUsed === 1) ? rows : undefined;
    });
    expect(all.map((row) => [row.groupName, row.renewals, row.creditsUsed]).sort()).toEqual([
      ['Board governance', 1, 1],
      ['Forklift safety', 1, 1],
    ]);
    expect((await report(groupAdmin)).map((row) => [row.groupName, row.month, row.renewals, row.creditsUsed])).toEqual([['Forklift safety', forkliftMonth, 1, 1]]);
    expect((await admin.get('/api/reports/credential-renewals?from=2026-13')).status).toBe(400);

    // An undone renewal (what the import's undo records through the ledger) takes the renewal and its credit
    // off the month and group of the debit. The refund event is written to the outbox as the ledger would.
    const [debit] = await app.sql<{ id: string; credential_id: string; created_at: Date }>(`select id, credential_id, created_at from credit_ledger where kind = 'debit' and group_id = $1`, [forklift.id]);
    await app.sql(`insert into outbox_messages (id, event_type, payload, occurred_at) values (gen_random_uuid(), 'credentials.credits-refunded.v1', $1::jsonb, now())`, [
      JSON.stringify({ entryId: debit.id, amount: 1, refundOf: debit.id, credentialId: debit.credential_id, importId: null, balanceAfter: 1, refundedAt: new Date().toISOString(), groupId: forklift.id, reasonOfDebit: 'renewal', debitedAt: new Date(debit.created_at).toISOString() }),
    ]);
    await eventually(async () => ((await report(groupAdmin)).length === 0 ? true : undefined));
    expect((await report(admin)).map((row) => row.groupName)).toEqual(['Board governance']);
  });

  it('the ledger history is scoped: a group admin sees only the entries of credential groups they manage (no top-ups), and the balance', async () => {
    interface Entry { kind: string; groupId: string | null }
    const entries = async (caller: Http) => {
      const response = await caller.get('/api/credits/entries?pageSize=200');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { items: Entry[]; meta: { total: number } };
    };
    const all = await entries(admin);
    expect(all.items.some((entry) => entry.groupId === board.id)).toBe(true);
    expect(all.items.some((entry) => entry.groupId === null)).toBe(true);
    const scoped = await entries(groupAdmin);
    expect(scoped.items.length).toBeGreaterThan(0);
    expect(scoped.items.every((entry) => entry.groupId === forklift.id)).toBe(true);
    expect(scoped.meta.total).toBe(all.items.filter((entry) => entry.groupId === forklift.id).length);
    expect((await groupAdmin.get('/api/credits')).body).toEqual({ balance: await balance() });
  });
});
