import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, type Cell } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, reached, rowsOf, startImport, type ImportBody } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The credential-update import through HTTP against real Postgres and Redis, in chunks of 3 rows so that
 * files span several chunks. Groups and credentials are written with SQL here (the Credentials REST is
 * another engineer's part); everything the import does goes through the API.
 * Demo data: the group admin administers Operations (and Warehouse), not Sales.
 */
const TYPE = 'credential-update';
/** Today (UTC) read once for the whole file; every date of the tests is relative to it. */
const TODAY = new Date().toISOString().slice(0, 10);
/** A year from now, for dates that must stay in the future (and keep their day and month: formats are tested with them). */
const inYears = (years: number) => String(Number(TODAY.slice(0, 4)) + years);
function daysFromToday(days: number): string {
  const date = new Date(`${TODAY}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

interface Validation {
  warningGroups: { code: string; rows: number; needsConfirmation: boolean }[];
  toConfirm: string[];
  checkProblems: { code: string; message: string }[];
}
type StagedImport = ImportBody & { preview: { suggestions: { header: string; key: string | null }[]; columns: { key: string }[] } | null; validation: Validation | null };

interface CredentialSeed {
  name?: string;
  email?: string;
  recipientId?: string | null;
  issuedOn?: string;
  expiresOn?: string | null;
  grade?: string | null;
  attributes?: Record<string, string>;
  corrected?: string[];
}

describe('credential-update import', () => {
  let app: TestApp;
  let admin: Http;
  let groupAdmin: Http;
  let firstAid: string;
  let forklift: string;
  let designId: string;

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_CHUNK_SIZE: '3' } });
    const http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
    const groups = Object.fromEntries((await app.sql<{ id: string; name: string }>(`select id, name from groups`)).map((g) => [g.name, g.id]));
    designId = randomUUID();
    await app.sql(`insert into credential_designs (id, name, placeholders) values ($1, 'E2E design', '{course_code}')`, [designId]);
    firstAid = await group('E2E First Aid', groups.Operations, [{ key: 'course_code', label: 'Course code', kind: 'text' }, { key: 'location', label: 'Location', kind: 'text' }]);
    forklift = await group('E2E Forklift', groups.Sales, []);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function group(name: string, ownerGroupId: string, attributes: { key: string; label: string; kind: string }[]): Promise<string> {
    const id = randomUUID();
    await app.sql(`insert into credential_groups (id, name, design_id, owner_group_id, custom_attributes) values ($1, $2, $3, $4, $5::jsonb)`, [
      id,
      name,
      designId,
      ownerGroupId,
      JSON.stringify(attributes),
    ]);
    return id;
  }

  async function credential(groupId: string, seed: CredentialSeed = {}): Promise<string> {
    const id = randomUUID();
    await app.sql(
      `insert into credentials (id, group_id, recipient_name, recipient_email, recipient_id, issued_on, expires_on, grade, attributes, corrected_fields)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)`,
      [
        id,
        groupId,
        seed.name ?? 'Lena Learner',
        seed.email ?? `${id.slice(0, 8)}@example.com`,
        seed.recipientId === undefined ? `R-${id.slice(0, 8)}` : seed.recipientId,
        seed.issuedOn ?? '2024-01-10',
        seed.expiresOn === undefined ? `${inYears(4)}-01-10` : seed.expiresOn,
        seed.grade ?? null,
        JSON.stringify(seed.attributes ?? {}),
        seed.corrected ?? [],
      ],
    );
    return id;
  }

  const credentialRow = async (id: string) =>
    (
      await app.sql<{ recipient_name: string; recipient_email: string; recipient_id: string | null; issued_on: string; expires_on: string | null; grade: string | null; attributes: Record<string, string>; corrected_fields: string[]; version: number }>(
        `select recipient_name, recipient_email, recipient_id, to_char(issued_on, 'YYYY-MM-DD') as issued_on, to_char(expires_on, 'YYYY-MM-DD') as expires_on, grade, attributes, corrected_fields, version
           from credentials where id = $1`,
        [id],
      )
    )[0];
  const balance = async () => Number((await app.sql<{ balance: number }>(`select balance from credit_balance where organisation = 'default'`))[0].balance);
  const setBalance = (value: number) => app.sql(`update credit_balance set balance = $1 where organisation = 'default'`, [value]);
  const events = async (type: string, importId: string) =>
    (await app.sql<{ payload: Record<string, unknown> }>(`select payload from outbox_messages where event_type = $1`, [type]))
      .flatMap((message) => (message.payload.$batch as Record<string, unknown>[] | undefined) ?? [message.payload])
      .filter((payload) => payload.importId === importId);

  /** Upload without auto-confirm, map as suggested (plus `extra`), with these options; returns the import once validated. */
  async function validated(http: Http, header: string[], rows: Cell[][], options: Record<string, unknown>, extra: Record<string, string | null> = {}): Promise<StagedImport> {
    const id = await startImport(http, TYPE, 'credentials.csv', csv(header, rows), { autoConfirm: 'false', options: JSON.stringify(options) });
    const waiting = (await reached(http, id, 'awaiting_mapping')) as StagedImport;
    const mapping = { ...Object.fromEntries(waiting.preview!.suggestions.map((s) => [s.header, s.key])), ...extra };
    const response = await http.put(`/api/imports/${id}/mapping`, { mapping, options });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (await eventuallyWaiting(http, id)) as StagedImport;
  }
  async function eventuallyWaiting(http: Http, id: string): Promise<ImportBody> {
    for (;;) {
      const body = (await http.get<ImportBody>(`/api/imports/${id}`)).body;
      if (!['queued', 'validating', 'awaiting_mapping'].includes(body.status)) return body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async function confirm(http: Http, id: string, acknowledged: string[] = []): Promise<ImportBody> {
    const response = await http.post(`/api/imports/${id}/confirm`, { acknowledgedWarnings: acknowledged });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return finished(http, id);
  }

  it('matches by credential id, recipient id and email (in that order), with Dutch headers, custom attributes, and errors that say why', async () => {
    const byId = await credential(firstAid, { grade: 'B' });
    const byRecipient = await credential(firstAid, { recipientId: 'NL-77', name: 'Liam Old' });
    const byEmail = await credential(firstAid, { recipientId: null, email: 'lucy@example.com', attributes: { course_code: 'FA-1' } });
    await credential(firstAid, { email: 'shared@example.com', name: 'Ann Shared' });
    await credential(firstAid, { email: 'shared@example.com', name: 'Bob Shared' });
    const elsewhere = await credential(forklift, { grade: 'C' });
    const header = ['Credential ID', 'Ontvanger-ID', 'E-mailadres', 'Naam', 'Cijfer', 'Course code', 'Location', 'Opmerking'];
    const staged = await validated(
      admin,
      header,
      [
        [byId, 'NL-77', 'lucy@example.com', '', 'A', '', '', 'the id wins: the recipient id and email are values to set'],
        ['', 'NL-77', '', 'Liam New', '', '', '', 'by recipient id'],
        ['', '', 'LUCY@example.com', '', '', 'FA-2', 'Utrecht', 'by email, custom attributes'],
        ['', '', 'shared@example.com', '', 'A', '', '', 'ambiguous'],
        [elsewhere, '', '', '', 'A', '', '', 'another group'],
        ['', '', 'nobody@example.com', '', 'A', '', '', 'no match'],
        ['', '', '', 'Nobody', '', '', '', 'nothing to match with'],
      ],
      { group: firstAid, dateFormat: 'dd-mm-yyyy' },
      { Opmerking: null },
    );
    expect(staged.status).toBe('awaiting_confirmation');
    const failed = await rowsOf(admin, staged.id, 'failed');
    const errorOf = (row: number) => failed.find((r) => r.rowNumber === row)?.errors[0];
    expect(failed.map((r) => r.rowNumber)).toEqual([5, 6, 7, 8]);
    expect(errorOf(5)).toMatchObject({ code: 'CREDENTIALS.IMPORT_AMBIGUOUS_MATCH', column: 'recipientEmail' });
    expect(errorOf(5)!.message).toContain('Ann Shared');
    expect(errorOf(5)!.message).toContain('Bob Shared');
    expect(errorOf(6)).toMatchObject({ code: 'CREDENTIALS.IMPORT_OTHER_GROUP', column: 'credentialId' });
    expect(errorOf(6)!.message).toContain('E2E Forklift');
    expect(errorOf(7)).toMatchObject({ code: 'CREDENTIALS.IMPORT_NO_MATCH' });
    expect(errorOf(8)).toMatchObject({ code: 'CREDENTIALS.IMPORT_NO_MATCH_VALUE' });
    // The first row changes the recipient id and the email of byId: an email change to confirm.
    expect(staged.validation!.toConfirm).toEqual(['CREDENTIALS.EMAIL_CHANGE']);
    // Validation wrote nothing.
    expect((await credentialRow(byId)).grade).toBe('B');

    const done = await confirm(admin, staged.id, ['CREDENTIALS.EMAIL_CHANGE']);
    expect(done.status).toBe('completed_with_errors');
    expect(done.counts).toMatchObject({ total: 7, succeeded: 3, failed: 4 });
    expect(await credentialRow(byId)).toMatchObject({ grade: 'A', recipient_id: 'NL-77', recipient_email: 'lucy@example.com' });
    expect(await credentialRow(byRecipient)).toMatchObject({ recipient_name: 'Liam New' });
    expect((await credentialRow(byEmail)).attributes).toEqual({ course_code: 'FA-2', location: 'Utrecht' });
    expect((await credentialRow(elsewhere)).grade).toBe('C');

    // Review the updated credentials: before and after per credential, paged, without bookkeeping keys.
    const changes = await admin.get(`/api/imports/${staged.id}/changes?pageSize=2`);
    expect(changes.status).toBe(200);
    expect(changes.body.meta).toMatchObject({ total: 3 });
    expect(changes.body.items).toEqual([
      { rowNumber: 2, entity: 'credential', id: byId, before: expect.objectContaining({ grade: 'B', recipientEmail: expect.any(String) }), after: expect.objectContaining({ grade: 'A', recipientId: 'NL-77', recipientEmail: 'lucy@example.com' }) },
      { rowNumber: 3, entity: 'credential', id: byRecipient, before: { recipientName: 'Liam Old' }, after: { recipientName: 'Liam New' } },
    ]);
    const second = await admin.get(`/api/imports/${staged.id}/changes?pageSize=2&page=2`);
    expect(second.body.items).toEqual([
      { rowNumber: 4, entity: 'credential', id: byEmail, before: { 'attributes.course_code': 'FA-1', 'attributes.location': null }, after: { 'attributes.course_code': 'FA-2', 'attributes.location': 'Utrecht' } },
    ]);
    expect(await events('credentials.credential-updated.v1', staged.id)).toHaveLength(3);
    // Another admin's view of the import follows the import's own read rules: a learner sees nothing.
    const learner = await new Http(app.url).login('lena@example.com');
    expect((await learner.get(`/api/imports/${staged.id}/changes`)).status).toBeGreaterThanOrEqual(403);
  });

  it('fails every row that reaches the same credential, also by different keys in different chunks', async () => {
    const twice = await credential(firstAid, { recipientId: 'TW-1', email: 'twice@example.com' });
    const staged = await validated(
      admin,
      ['Recipient ID', 'Recipient Email', 'Grade'],
      [
        ['TW-1', '', 'A'],
        ['', 'nobody-1@example.com', 'A'],
        ['', 'nobody-2@example.com', 'A'],
        ['', 'twice@example.com', 'B'],
      ],
      { group: firstAid },
    );
    const failed = await rowsOf(admin, staged.id, 'failed');
    expect(failed.filter((r) => r.errors[0].code === 'IMPORTS.SAME_ENTITY_TWICE').map((r) => [r.rowNumber, r.errors[0].message])).toEqual([
      [2, expect.stringContaining('5')],
      [5, expect.stringContaining('2')],
    ]);
    expect(staged.status).toBe('completed_with_errors');
    expect((await credentialRow(twice)).grade).toBeNull();
  });

  it('rows failed as the same credential twice ask for no confirmation: toConfirm counts only rows that will run', async () => {
    const twice = await credential(firstAid, { recipientId: 'TW-2', email: 'twice.two@example.com' });
    const other = await credential(firstAid, { recipientId: 'TW-3' });
    const staged = await validated(
      admin,
      ['Recipient ID', 'Recipient Email', 'Grade'],
      [
        ['TW-2', 'moved.twice@example.com', 'A'],
        ['TW-3', '', 'A'],
        ['', 'nobody-3@example.com', 'A'],
        ['', 'twice.two@example.com', 'B'],
      ],
      { group: firstAid },
    );
    expect(staged.status).toBe('awaiting_confirmation');
    expect((await rowsOf(admin, staged.id, 'failed')).map((r) => [r.rowNumber, r.errors.map((e) => e.code)])).toEqual([
      [2, ['IMPORTS.SAME_ENTITY_TWICE']],
      [4, ['CREDENTIALS.IMPORT_NO_MATCH']],
      [5, ['IMPORTS.SAME_ENTITY_TWICE']],
    ]);
    expect(staged.validation!.toConfirm).toEqual([]);
    const done = await confirm(admin, staged.id);
    expect(done.counts).toMatchObject({ succeeded: 1 });
    expect((await credentialRow(other)).grade).toBe('A');
    expect(await credentialRow(twice)).toMatchObject({ recipient_email: 'twice.two@example.com', grade: null });
  });

  it('reads dates in the chosen format; a wrong choice turns the rows into errors naming the value and the format', async () => {
    const a = await credential(firstAid, { issuedOn: '2024-01-10', expiresOn: `${inYears(4)}-01-10` });
    const b = await credential(firstAid, { issuedOn: '2024-01-10', expiresOn: `${inYears(4)}-01-10` });
    const rows: Cell[][] = [
      [a, `31-01-${inYears(5)}`],
      [b, `28-02-${inYears(6)}`],
    ];
    const wrong = await validated(admin, ['Credential ID', 'Expiry Date'], rows, { group: firstAid, dateFormat: 'mm/dd/yyyy' });
    expect(wrong.status).toBe('completed_with_errors');
    const failed = await rowsOf(admin, wrong.id, 'failed');
    expect(failed).toHaveLength(2);
    expect(failed[0].errors[0]).toMatchObject({ code: 'CREDENTIALS.IMPORT_DATE_NO_SUCH_DAY', column: 'expiresOn' });
    expect(failed[0].errors[0].message).toContain(`31-01-${inYears(5)}`);
    expect(failed[0].errors[0].message).toContain('mm/dd/yyyy');
    expect((await credentialRow(a)).expires_on).toBe(`${inYears(4)}-01-10`);

    const right = await validated(admin, ['Credential ID', 'Expiry Date'], rows, { group: firstAid, dateFormat: 'dd-mm-yyyy' });
    await confirm(admin, right.id);
    expect((await credentialRow(a)).expires_on).toBe(`${inYears(5)}-01-31`);
    expect((await credentialRow(b)).expires_on).toBe(`${inYears(6)}-02-28`);

    const us = await validated(admin, ['Credential ID', 'Expiry Date'], [[a, `12/31/${inYears(7)}`], [b, `${inYears(8)}-06-30`]], { group: firstAid, dateFormat: 'mm/dd/yyyy' });
    await confirm(admin, us.id);
    expect((await credentialRow(a)).expires_on).toBe(`${inYears(7)}-12-31`);
    expect((await credentialRow(b)).expires_on).toBe(`${inYears(8)}-06-30`);

    const detect = await validated(admin, ['Credential ID', 'Expiry Date'], [[a, `03/04/${inYears(9)}`]], { group: firstAid, dateFormat: 'detect' });
    expect((await rowsOf(admin, detect.id, 'failed'))[0].errors[0].code).toBe('CREDENTIALS.IMPORT_DATE_AMBIGUOUS');

    // An unknown format is refused at the mapping, before any work.
    const id = await startImport(admin, TYPE, 'c.csv', csv(['Credential ID', 'Grade'], [[a, 'A']]), { autoConfirm: 'false' });
    await reached(admin, id, 'awaiting_mapping');
    const refused = await admin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': 'credentialId', Grade: 'grade' }, options: { group: firstAid, dateFormat: 'dd.mm.yy' } });
    expect(refused.status).toBe(400);
  });

  it('refuses the confirm until both warning codes are acknowledged; the warnings show old and new values', async () => {
    const corrected = await credential(firstAid, { name: 'Zoë de Vries', corrected: ['recipientName'] });
    const moved = await credential(firstAid, { email: 'old.address@example.com' });
    const staged = await validated(
      admin,
      ['Credential ID', 'Recipient Name', 'Recipient Email'],
      [
        [corrected, 'Zoe de Vries', ''],
        [moved, '', 'new.address@example.com'],
      ],
      { group: firstAid },
    );
    expect(staged.status).toBe('awaiting_confirmation');
    expect(staged.validation!.toConfirm.sort()).toEqual(['CREDENTIALS.EMAIL_CHANGE', 'CREDENTIALS.OVERWRITES_CORRECTED_NAME']);
    const warnings = (await rowsOf(admin, staged.id, 'warnings')).flatMap((r) => r.warnings.map((w) => w.message));
    expect(warnings.join('\n')).toContain('"Zoë de Vries"');
    expect(warnings.join('\n')).toContain('"Zoe de Vries"');
    expect(warnings.join('\n')).toContain('old.address@example.com');
    expect(warnings.join('\n')).toContain('new.address@example.com');

    const none = await admin.post(`/api/imports/${staged.id}/confirm`, { acknowledgedWarnings: [] });
    expect(none.status).toBe(409);
    expect(JSON.stringify(none.body)).toContain('CREDENTIALS.OVERWRITES_CORRECTED_NAME');
    expect(JSON.stringify(none.body)).toContain('CREDENTIALS.EMAIL_CHANGE');
    const one = await admin.post(`/api/imports/${staged.id}/confirm`, { acknowledgedWarnings: ['CREDENTIALS.EMAIL_CHANGE'] });
    expect(one.status).toBe(409);
    expect(JSON.stringify(one.body)).toContain('CREDENTIALS.OVERWRITES_CORRECTED_NAME');
    expect(JSON.stringify(one.body)).not.toContain('CREDENTIALS.EMAIL_CHANGE');
    expect((await credentialRow(corrected)).recipient_name).toBe('Zoë de Vries');

    await confirm(admin, staged.id, ['CREDENTIALS.EMAIL_CHANGE', 'CREDENTIALS.OVERWRITES_CORRECTED_NAME']);
    expect(await credentialRow(corrected)).toMatchObject({ recipient_name: 'Zoe de Vries', corrected_fields: [] });
    expect((await credentialRow(moved)).recipient_email).toBe('new.address@example.com');
  });

  it('the run applies only what was confirmed: a credential the recipient corrected (or whose email changed) since validation is not overwritten', async () => {
    const liam = await new Http(app.url).login('liam@example.com');
    const named = await credential(firstAid, { name: 'Liam Learner', email: 'liam@example.com' });
    const emailed = await credential(firstAid, { email: 'before.rest@example.com', grade: 'C' });
    const untouched = await credential(firstAid, { grade: 'C' });
    const staged = await validated(
      admin,
      ['Credential ID', 'Recipient Name', 'Grade'],
      [
        [named, 'Liam Admin', ''],
        [emailed, '', 'A'],
        [untouched, '', 'A'],
      ],
      { group: firstAid },
    );
    // Nothing to confirm at validation: the name was not corrected then.
    expect(staged.validation!.toConfirm).toEqual([]);
    const corrected = await liam.post(`/api/me/credentials/${named}/name`, { name: 'Liam Lee' });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(200);
    await app.sql(`update credentials set recipient_email = 'after.rest@example.com', version = version + 1 where id = $1`, [emailed]);

    const done = await confirm(admin, staged.id);
    expect(done.counts).toMatchObject({ succeeded: 1, failed: 2 });
    const failed = await rowsOf(admin, staged.id, 'failed');
    expect(failed.map((r) => [r.rowNumber, r.errors.map((e) => e.code)])).toEqual([
      [2, ['CREDENTIALS.IMPORT_CHANGED_MEANWHILE']],
      [3, ['CREDENTIALS.IMPORT_CHANGED_MEANWHILE']],
    ]);
    expect(await credentialRow(named)).toMatchObject({ recipient_name: 'Liam Lee', corrected_fields: ['recipientName'] });
    expect(await credentialRow(emailed)).toMatchObject({ recipient_email: 'after.rest@example.com', grade: 'C' });
    expect((await credentialRow(untouched)).grade).toBe('A');
  });

  it('renewals are decided as validation saw them: a row whose credential expired since validation is not charged, it fails', async () => {
    const soon = await credential(firstAid, { issuedOn: daysFromToday(-300), expiresOn: daysFromToday(5) });
    await setBalance(5);
    const staged = await validated(admin, ['Credential ID', 'Expiry Date'], [[soon, daysFromToday(400)]], { group: firstAid });
    expect(staged.validation!.warningGroups.map((g) => g.code)).not.toContain('CREDENTIALS.IMPORT_RENEWAL');
    // Time passes (no one changes the credential, its version stays): it has expired by the run.
    await app.sql(`update credentials set expires_on = $2 where id = $1`, [soon, daysFromToday(-1)]);
    const done = await confirm(admin, staged.id);
    expect(done.counts).toMatchObject({ succeeded: 0, failed: 1 });
    expect((await rowsOf(admin, staged.id, 'failed'))[0].errors.map((e) => e.code)).toEqual(['CREDENTIALS.IMPORT_RENEWAL_CHANGED']);
    expect(await balance()).toBe(5);
    expect(await app.sql(`select 1 from credit_ledger where import_id = $1`, [staged.id])).toHaveLength(0);
  });

  it('renewals: refused while they exceed the balance, then each debits one credit once; undo restores the values and refunds the credits', async () => {
    const expired = await Promise.all([1, 2, 3].map(() => credential(firstAid, { issuedOn: '2020-01-01', expiresOn: '2021-01-01', grade: 'B' })));
    const current = await credential(firstAid, { expiresOn: `${inYears(4)}-01-01` });
    await setBalance(2);
    const staged = await validated(
      admin,
      ['Credential ID', 'Expiry Date', 'Grade'],
      [
        [expired[0], `01-01-${inYears(5)}`, 'A'],
        [expired[1], `01-01-${inYears(5)}`, ''],
        [current, `01-01-${inYears(5)}`, ''],
        [expired[2], `01-01-${inYears(5)}`, ''],
      ],
      { group: firstAid, dateFormat: 'dd-mm-yyyy' },
    );
    expect(staged.status).toBe('awaiting_confirmation');
    expect(staged.validation!.warningGroups).toContainEqual(expect.objectContaining({ code: 'CREDENTIALS.IMPORT_RENEWAL', rows: 3, needsConfirmation: false }));
    expect(staged.validation!.checkProblems).toEqual([expect.objectContaining({ code: 'CREDENTIALS.IMPORT_NOT_ENOUGH_CREDITS', message: expect.stringContaining('3 renewals need 3 credits; the balance is 2') })]);
    const refused = await admin.post(`/api/imports/${staged.id}/confirm`, { acknowledgedWarnings: [] });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('CREDENTIALS.IMPORT_NOT_ENOUGH_CREDITS');
    expect(await balance()).toBe(2);

    // Topped up meanwhile: the check runs again at confirm.
    await setBalance(10);
    const done = await confirm(admin, staged.id);
    expect(done.status).toBe('completed');
    expect(await balance()).toBe(7);
    const debits = await app.sql<{ idempotency_key: string; amount: number; credential_id: string; row_number: number }>(
      `select idempotency_key, amount, credential_id, row_number from credit_ledger where import_id = $1 and kind = 'debit' order by row_number`,
      [staged.id],
    );
    expect(debits.map((d) => [d.idempotency_key, d.credential_id])).toEqual([
      [`import:${staged.id}:row:2`, expired[0]],
      [`import:${staged.id}:row:3`, expired[1]],
      [`import:${staged.id}:row:5`, expired[2]],
    ]);
    const renewed = await events('credentials.credential-renewed.v1', staged.id);
    expect(renewed).toHaveLength(3);
    // renewedAt is the debit's own time (the ledger's clock), not the worker's.
    const debitTimes = await app.sql<{ id: string; created_at: Date }>(`select id, created_at from credit_ledger where import_id = $1 and kind = 'debit'`, [staged.id]);
    for (const event of renewed) {
      const debit = debitTimes.find((d) => d.id === event.creditEntryId)!;
      expect(event.renewedAt).toBe(new Date(debit.created_at).toISOString());
    }
    expect(await events('credentials.credits-debited.v1', staged.id)).toHaveLength(3);
    expect(await credentialRow(expired[0])).toMatchObject({ expires_on: `${inYears(5)}-01-01`, grade: 'A' });

    // One credential changed since the import: its row is skipped and its credit stays spent.
    await app.sql(`update credentials set grade = 'changed', version = version + 1 where id = $1`, [expired[1]]);
    const undo = await admin.post(`/api/imports/${staged.id}/undo`);
    expect(undo.status).toBe(202);
    const undone = await finished(admin, undo.body.id);
    expect(undone.counts).toMatchObject({ succeeded: 3, skipped: 1 });
    expect(await credentialRow(expired[0])).toMatchObject({ expires_on: '2021-01-01', grade: 'B' });
    expect(await credentialRow(expired[2])).toMatchObject({ expires_on: '2021-01-01' });
    expect(await credentialRow(current)).toMatchObject({ expires_on: `${inYears(4)}-01-01` });
    expect(await credentialRow(expired[1])).toMatchObject({ expires_on: `${inYears(5)}-01-01`, grade: 'changed' });
    expect(await balance()).toBe(9);
    const refunds = await app.sql<{ refund_of: string }>(`select refund_of from credit_ledger where kind = 'refund' and import_id = $1`, [undo.body.id]);
    expect(refunds).toHaveLength(2);
    expect(await events('credentials.credits-refunded.v1', undo.body.id)).toHaveLength(2);
  });

  it('chunks renewing at once (each writes its credentials, then waits for the balance): each renewal debited once, never beyond the balance; a balance lowered after the confirm fails the renewals that no longer fit and writes nothing of them', async () => {
    const expired = await Promise.all(Array.from({ length: 9 }, () => credential(firstAid, { issuedOn: '2020-01-01', expiresOn: '2021-01-01', grade: 'B' })));
    const current = await Promise.all([1, 2, 3].map(() => credential(firstAid, { grade: 'B' })));
    const renewed = `${inYears(5)}-06-30`;
    // Four chunks of three rows: renewals and plain updates in each of the first three, renewals only in the last.
    const ids = [expired[0], expired[1], current[0], expired[2], expired[3], current[1], expired[4], expired[5], current[2], expired[6], expired[7], expired[8]];
    await setBalance(9);
    const staged = await validated(admin, ['Credential ID', 'Expiry Date', 'Grade'], ids.map((id) => [id, expired.includes(id) ? renewed : '', 'A']), { group: firstAid });
    expect(staged.status).toBe('awaiting_confirmation');
    expect(staged.validation!.checkProblems).toEqual([]);

    // The balance row held elsewhere: the run's chunks (two at a time) write their credentials and wait for it to pay;
    // then the balance is lower than at the confirm, so a chunk's batch falls short and goes one renewal at a time.
    const holder = new pg.Client({ connectionString: app.database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select balance from credit_balance where organisation = 'default' for update`);
      const response = await admin.post(`/api/imports/${staged.id}/confirm`, { acknowledgedWarnings: [] });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      // Backends waiting behind the holder, directly or behind another waiter.
      const waiting = async () =>
        Number(
          (
            await holder.query<{ count: string }>(
              `with recursive behind(pid) as (select $1::int union select a.pid from pg_stat_activity a join behind b on b.pid = any(pg_blocking_pids(a.pid)))
               select count(*) - 1 as count from behind`,
              [(await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid],
            )
          ).rows[0].count,
        );
      const until = Date.now() + 20_000;
      while ((await waiting()) < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await waiting()).toBeGreaterThanOrEqual(2);
      // Spent elsewhere meanwhile: 5 credits left for 9 renewals.
      await holder.query(`update credit_balance set balance = 5 where organisation = 'default'`);
      await holder.query('commit');
    } finally {
      await holder.end();
    }

    const done = await finished(admin, staged.id);
    expect(done.status).toBe('completed_with_errors');
    expect(await balance()).toBe(0);
    const debits = await app.sql<{ idempotency_key: string; credential_id: string; balance_after: number }>(
      `select idempotency_key, credential_id, balance_after from credit_ledger where import_id = $1 and kind = 'debit' order by created_at`,
      [staged.id],
    );
    expect(debits).toHaveLength(5);
    expect(new Set(debits.map((d) => d.idempotency_key)).size).toBe(5);
    expect(debits.map((d) => d.balance_after)).toEqual([4, 3, 2, 1, 0]);
    const failed = await rowsOf(admin, staged.id, 'failed');
    expect(failed).toHaveLength(4);
    for (const row of failed) expect(row.errors.map((e) => e.code)).toEqual(['CREDENTIALS.IMPORT_CREDITS_EXHAUSTED']);
    // A paid renewal is written with its debit; an unpaid one not at all; the plain updates all.
    const paid = new Set(debits.map((d) => d.credential_id));
    for (const id of expired) {
      expect(await credentialRow(id)).toMatchObject(paid.has(id) ? { expires_on: renewed, grade: 'A', version: 2 } : { expires_on: '2021-01-01', grade: 'B', version: 1 });
    }
    expect(failed.map((row) => row.entityId).filter((id) => paid.has(id!))).toEqual([]);
    for (const id of current) expect(await credentialRow(id)).toMatchObject({ grade: 'A', version: 2 });
    expect(await events('credentials.credential-renewed.v1', staged.id)).toHaveLength(5);
    expect(await events('credentials.credits-debited.v1', staged.id)).toHaveLength(5);
    expect(await events('credentials.credential-updated.v1', staged.id)).toHaveLength(8);
  });

  it('a row whose renewal was charged already (its ledger key exists) is not charged again', async () => {
    const expired = await Promise.all([1, 2].map(() => credential(firstAid, { issuedOn: '2020-01-01', expiresOn: '2021-01-01' })));
    await setBalance(5);
    const staged = await validated(admin, ['Credential ID', 'Expiry Date'], [[expired[0], `${inYears(5)}-01-01`], [expired[1], `${inYears(5)}-01-01`]], { group: firstAid });
    expect(staged.status).toBe('awaiting_confirmation');
    // What an earlier run of row 2's chunk would have left had its debit survived: the entry under the row's key.
    const earlier = randomUUID();
    await app.sql(
      `insert into credit_ledger (id, idempotency_key, kind, amount, balance_after, reason, credential_id, import_id, row_number) values ($1, $2, 'debit', -1, 5, 'renewal', $3, $4, 2)`,
      [earlier, `import:${staged.id}:row:2`, expired[0], staged.id],
    );
    await confirm(admin, staged.id);
    expect(await balance()).toBe(4);
    const debits = await app.sql<{ id: string; row_number: number }>(`select id, row_number from credit_ledger where import_id = $1 and kind = 'debit' order by row_number`, [staged.id]);
    expect(debits.map((d) => d.row_number)).toEqual([2, 3]);
    expect(debits[0].id).toBe(earlier);
    // The renewal names the entry that paid for it; only the new charge is announced as a debit.
    const renewed = await events('credentials.credential-renewed.v1', staged.id);
    expect(renewed.find((e) => e.credentialId === expired[0])?.creditEntryId).toBe(earlier);
    expect((await events('credentials.credits-debited.v1', staged.id)).map((e) => e.credentialId)).toEqual([expired[1]]);
  });

  it('a group admin updates only groups they manage: another group is refused before any work, and its template too', async () => {
    const mine = await credential(firstAid);
    const id = await startImport(groupAdmin, TYPE, 'c.csv', csv(['Credential ID', 'Grade'], [[mine, 'A']]), { autoConfirm: 'false' });
    await reached(groupAdmin, id, 'awaiting_mapping');
    const outside = await groupAdmin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': 'credentialId', Grade: 'grade' }, options: { group: forklift } });
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('CREDENTIALS.GROUP_NOT_FOUND');
    const unknown = await groupAdmin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': 'credentialId', Grade: 'grade' }, options: { group: randomUUID() } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(outside.body.code);
    const missing = await groupAdmin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': 'credentialId', Grade: 'grade' }, options: {} });
    expect(missing.status).toBe(400);
    // Nothing to match the rows with: refused at the mapping, naming the three columns.
    const noMatch = await groupAdmin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': null, Grade: 'grade' }, options: { group: firstAid } });
    expect(noMatch.status).toBe(400);
    expect(noMatch.body.code).toBe('IMPORTS.MISSING_ONE_OF_COLUMNS');
    expect((await groupAdmin.get<ImportBody>(`/api/imports/${id}`)).body.status).toBe('awaiting_mapping');

    // The template lists the group's attributes, for a group in scope only.
    const template = await groupAdmin.get(`/api/import-types/${TYPE}/template?format=csv&options=${encodeURIComponent(JSON.stringify({ group: firstAid }))}`);
    expect(template.status).toBe(200);
    expect(String(template.body)).toContain('Course code');
    expect(String(template.body)).toContain('Location');
    const plain = await groupAdmin.get(`/api/import-types/${TYPE}/template?format=csv`);
    expect(String(plain.body)).not.toContain('Course code');
    expect((await groupAdmin.get(`/api/import-types/${TYPE}/template?format=csv&options=${encodeURIComponent(JSON.stringify({ group: forklift }))}`)).status).toBe(404);

    // Within scope it works, and a row naming a credential of the other group names no group it may not see.
    const theirs = await credential(forklift);
    const ok = await groupAdmin.put(`/api/imports/${id}/mapping`, { mapping: { 'Credential ID': 'credentialId', Grade: 'grade' }, options: { group: firstAid } });
    expect(ok.status).toBe(200);
    const staged = await eventuallyWaiting(groupAdmin, id);
    await confirm(groupAdmin, staged.id);
    expect((await credentialRow(mine)).grade).toBe('A');
    const other = await validated(groupAdmin, ['Credential ID', 'Grade'], [[theirs, 'A']], { group: firstAid });
    const failed = await rowsOf(groupAdmin, other.id, 'failed');
    // A credential of a group they may not manage is not revealed (the same answer as an unknown id), nor locked.
    expect(failed[0].errors[0].code).toBe('CREDENTIALS.IMPORT_NO_MATCH');
    expect(failed[0].errors[0].message).not.toContain('E2E Forklift');
  });
});
