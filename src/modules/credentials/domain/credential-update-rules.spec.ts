import { describe, expect, it } from 'vitest';
import type { ImportColumn, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { readDate } from './credential-dates.js';
import { Credential, isRenewal } from './credential.js';
import {
  changedSinceValidation,
  checkCredentialUpdateRow,
  decideCredentialUndo,
  isCredentialId,
  EMAIL_CHANGE,
  OVERWRITES_CORRECTED_NAME,
  RENEWAL,
  sameCredentialTwice,
  VERSION,
  withRecordedValues,
  type CredentialLookups,
  type CredentialNow,
  type PlannedCredentialUpdate,
  type UpdateSettings,
} from './credential-update-rules.js';

const GROUP = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const columns: ImportColumn[] = [
  { key: 'credentialId', header: 'Credential ID', mandatory: false, note: '', kind: 'text' },
  { key: 'recipientId', header: 'Recipient ID', mandatory: false, note: '', kind: 'text' },
  { key: 'recipientEmail', header: 'Recipient Email', mandatory: false, note: '', kind: 'text' },
  { key: 'recipientName', header: 'Recipient Name', mandatory: false, note: '', kind: 'text' },
  { key: 'issuedOn', header: 'Issue Date', mandatory: false, note: '', kind: 'date' },
  { key: 'expiresOn', header: 'Expiry Date', mandatory: false, note: '', kind: 'date' },
];

let next = 0;
function credential(overrides: Partial<CredentialNow> = {}): CredentialNow {
  next += 1;
  return {
    id: `00000000-0000-4000-9000-${String(next).padStart(12, '0')}`,
    groupId: GROUP,
    groupName: 'First aid',
    groupInScope: true,
    recipientName: 'Lena Learner',
    recipientEmail: 'lena@example.com',
    recipientId: 'R-1',
    issuedOn: '2024-01-10',
    expiresOn: '2025-01-10',
    grade: null,
    attributes: {},
    correctedFields: [],
    revokedAt: null,
    version: 3,
    ...overrides,
  };
}

function lookupsOf(...credentials: CredentialNow[]): CredentialLookups {
  const lookups: CredentialLookups = { byId: new Map(), byRecipientId: new Map(), byEmail: new Map() };
  for (const c of credentials) {
    lookups.byId.set(c.id, c);
    if (c.recipientId) lookups.byRecipientId.set(c.recipientId, [...(lookups.byRecipientId.get(c.recipientId) ?? []), c]);
    const email = c.recipientEmail.toLowerCase();
    lookups.byEmail.set(email, [...(lookups.byEmail.get(email) ?? []), c]);
  }
  return lookups;
}

const settings: UpdateSettings = { groupId: GROUP, dateFormat: 'dd-mm-yyyy', today: '2026-11-30', attributes: [{ key: 'course_code', label: 'Course code', kind: 'text', required: false }, { key: 'exam_date', label: 'Exam date', kind: 'date', required: false }] };
const row = (values: Record<string, string>, rowNumber = 2): RawImportRow => ({ rowNumber, values });
const isOutcome = (result: PlannedCredentialUpdate | RowOutcome): result is RowOutcome => 'status' in result;
const plan = (result: PlannedCredentialUpdate | RowOutcome) => {
  if (isOutcome(result)) throw new Error(`expected a plan, got ${JSON.stringify(result)}`);
  return result;
};
const codes = (result: PlannedCredentialUpdate | RowOutcome) => (isOutcome(result) ? result.errors.map((e) => e.code) : []);

describe('matching', () => {
  it('takes the credential id first, then the recipient id, then the email', () => {
    const byId = credential({ recipientId: 'R-9', recipientEmail: 'x@example.com' });
    const byRecipient = credential({ recipientId: 'R-2', recipientEmail: 'y@example.com' });
    const byEmail = credential({ recipientId: null, recipientEmail: 'z@example.com' });
    const lookups = lookupsOf(byId, byRecipient, byEmail);
    // The id wins over a recipient id and email of other credentials: those become values to set.
    expect(plan(checkCredentialUpdateRow(row({ credentialId: byId.id.toUpperCase(), recipientId: 'R-2', recipientName: 'A' }), columns, lookups, settings)).credential.id).toBe(byId.id);
    expect(plan(checkCredentialUpdateRow(row({ credentialId: '', recipientId: 'R-2', recipientEmail: 'z@example.com', recipientName: 'B' }), columns, lookups, settings)).credential.id).toBe(byRecipient.id);
    expect(plan(checkCredentialUpdateRow(row({ credentialId: '', recipientId: '', recipientEmail: 'Z@Example.com', recipientName: 'C' }), columns, lookups, settings)).credential.id).toBe(byEmail.id);
  });

  it('fails a row without any match value, naming the three columns', () => {
    const result = checkCredentialUpdateRow(row({ recipientName: 'A' }), columns, lookupsOf(), settings);
    expect(isOutcome(result) && result.errors[0]).toMatchObject({ code: 'CREDENTIALS.IMPORT_NO_MATCH_VALUE', params: { columns: 'Credential ID, Recipient ID, Recipient Email' } });
  });

  it('names every candidate of an email shared by several credentials of the group', () => {
    const a = credential({ recipientEmail: 'shared@example.com', recipientName: 'Ann' });
    const b = credential({ recipientEmail: 'shared@example.com', recipientName: 'Bob' });
    const result = checkCredentialUpdateRow(row({ recipientEmail: 'shared@example.com', recipientName: 'X' }), columns, lookupsOf(a, b), settings);
    expect(isOutcome(result) && result.errors[0]).toMatchObject({ code: 'CREDENTIALS.IMPORT_AMBIGUOUS_MATCH', params: { count: 2, candidates: `${a.id} (Ann), ${b.id} (Bob)` } });
  });

  it('names the other group of a credential that is not in this one, only when the admin may manage it', () => {
    const elsewhere = credential({ groupId: OTHER, groupName: 'Forklift' });
    expect(checkCredentialUpdateRow(row({ credentialId: elsewhere.id, recipientName: 'X' }), columns, lookupsOf(elsewhere), settings)).toMatchObject({
      status: 'failed',
      errors: [{ code: 'CREDENTIALS.IMPORT_OTHER_GROUP', params: { group: 'Forklift' } }],
    });
    const hidden = credential({ groupId: OTHER, groupName: 'Secret', groupInScope: false });
    const result = checkCredentialUpdateRow(row({ credentialId: hidden.id, recipientName: 'X' }), columns, lookupsOf(hidden), settings);
    expect(codes(result)).toEqual(['CREDENTIALS.IMPORT_NO_MATCH']);
    expect(JSON.stringify(result)).not.toContain('Secret');
  });

  it('fails an unknown credential, a malformed id and a revoked credential', () => {
    const revoked = credential({ revokedAt: '2026-01-01T00:00:00.000Z' });
    expect(codes(checkCredentialUpdateRow(row({ credentialId: '00000000-0000-4000-8000-00000000ffff' }), columns, lookupsOf(), settings))).toEqual(['CREDENTIALS.IMPORT_NO_MATCH']);
    expect(codes(checkCredentialUpdateRow(row({ credentialId: 'abc' }), columns, lookupsOf(), settings))).toEqual(['CREDENTIALS.IMPORT_CREDENTIAL_ID_INVALID']);
    expect(codes(checkCredentialUpdateRow(row({ credentialId: revoked.id, grade: 'A' }), columns, lookupsOf(revoked), settings))).toEqual(['CREDENTIALS.IMPORT_CREDENTIAL_REVOKED']);
  });
});

describe('values', () => {
  it('records only what changes, custom attributes included, before and after', () => {
    const c = credential({ grade: 'B', attributes: { course_code: 'FA-1' } });
    const result = plan(checkCredentialUpdateRow(row({ credentialId: c.id, recipientName: 'Lena Learner', grade: 'A', 'attributes.course_code': 'FA-2', 'attributes.unknown': 'x' }), columns, lookupsOf(c), settings));
    expect(result.before).toEqual({ grade: 'B', 'attributes.course_code': 'FA-1' });
    expect(result.after).toEqual({ grade: 'A', 'attributes.course_code': 'FA-2' });
    expect(result.warnings).toEqual([]);
  });

  it('skips a row that changes nothing', () => {
    const c = credential();
    expect(checkCredentialUpdateRow(row({ credentialId: c.id, recipientName: 'Lena Learner', issuedOn: '10-01-2024' }), columns, lookupsOf(c), settings)).toMatchObject({
      status: 'skipped',
      warnings: [{ code: 'CREDENTIALS.IMPORT_NOTHING_CHANGES' }],
    });
  });

  it('warns, with old and new values, about overwriting a corrected name and about an email change; the name loses its flag', () => {
    const c = credential({ correctedFields: ['recipientName'], recipientName: 'Léna Learner' });
    const result = plan(checkCredentialUpdateRow(row({ credentialId: c.id, recipientName: 'Lena Learner', recipientEmail: 'lena.new@example.com' }), columns, lookupsOf(c), settings));
    expect(result.warnings).toEqual([
      { code: OVERWRITES_CORRECTED_NAME, params: { old: 'Léna Learner', new: 'Lena Learner' }, column: 'recipientName' },
      { code: EMAIL_CHANGE, params: { old: 'lena@example.com', new: 'lena.new@example.com' }, column: 'recipientEmail' },
    ]);
    expect(result.correctedAfter).toEqual([]);
  });

  it('does not warn about a name the recipient did not correct, nor about an email that differs only in case', () => {
    const c = credential();
    const result = plan(checkCredentialUpdateRow(row({ credentialId: c.id, recipientName: 'Other Name', recipientEmail: 'LENA@example.com' }), columns, lookupsOf(c), settings));
    expect(result.warnings).toEqual([]);
    expect(result.after).toEqual({ recipientName: 'Other Name' });
  });

  it('fails an invalid email and an expiry before the issue date', () => {
    const c = credential();
    expect(codes(checkCredentialUpdateRow(row({ credentialId: c.id, recipientEmail: 'not-an-address' }), columns, lookupsOf(c), settings))).toEqual(['CREDENTIALS.RECIPIENT_EMAIL_INVALID']);
    expect(checkCredentialUpdateRow(row({ credentialId: c.id, expiresOn: '01-01-2023' }), columns, lookupsOf(c), settings)).toMatchObject({
      status: 'failed',
      errors: [{ code: 'CREDENTIALS.EXPIRY_BEFORE_ISSUE', column: 'expiresOn' }],
    });
  });

  it('reads date attributes in the chosen format too', () => {
    const c = credential();
    expect(plan(checkCredentialUpdateRow(row({ credentialId: c.id, 'attributes.exam_date': '02-03-2026' }), columns, lookupsOf(c), settings)).after).toEqual({ 'attributes.exam_date': '2026-03-02' });
    expect(codes(checkCredentialUpdateRow(row({ credentialId: c.id, 'attributes.exam_date': '2026/03/02' }), columns, lookupsOf(c), settings))).toEqual(['CREDENTIALS.IMPORT_DATE_NOT_IN_FORMAT']);
  });

  it('turns dates in another format than the chosen one into errors naming the value and the format', () => {
    const c = credential();
    const result = checkCredentialUpdateRow(row({ credentialId: c.id, issuedOn: '01/31/2025' }), columns, lookupsOf(c), settings);
    expect(isOutcome(result) && result.errors[0]).toMatchObject({ params: { column: 'Issue Date', value: '01/31/2025', format: 'dd-mm-yyyy' }, column: 'issuedOn' });
  });
});

describe('renewals', () => {
  it('is a renewal when an expired credential gets a future expiry', () => {
    const expired = credential({ expiresOn: '2026-01-01' });
    const result = plan(checkCredentialUpdateRow(row({ credentialId: expired.id, expiresOn: '01-01-2028' }), columns, lookupsOf(expired), settings));
    expect(result.renewal).toBe(true);
    expect(result.warnings).toEqual([{ code: RENEWAL, params: { previous: '2026-01-01', expiresOn: '2028-01-01' }, column: 'expiresOn' }]);
  });

  it('is no renewal to extend a valid credential, to give one without expiry an expiry, or to set a past expiry', () => {
    expect(isRenewal('2027-01-01', '2028-01-01', '2026-11-30')).toBe(false);
    expect(isRenewal(null, '2028-01-01', '2026-11-30')).toBe(false);
    expect(isRenewal('2025-01-01', '2026-01-01', '2026-11-30')).toBe(false);
    expect(isRenewal('2026-11-29', '2026-11-30', '2026-11-30')).toBe(false);
    expect(isRenewal('2026-11-29', '2026-12-01', '2026-11-30')).toBe(true);
  });
});

describe('dates', () => {
  it('reads each format, and ISO dates in every format', () => {
    expect(readDate('31-01-2025', 'dd-mm-yyyy')).toEqual({ date: '2025-01-31' });
    expect(readDate('31.1.2025', 'dd-mm-yyyy')).toEqual({ date: '2025-01-31' });
    expect(readDate('01/31/2025', 'mm/dd/yyyy')).toEqual({ date: '2025-01-31' });
    expect(readDate('2025-01-31', 'yyyy-mm-dd')).toEqual({ date: '2025-01-31' });
    expect(readDate('2025-01-31', 'mm/dd/yyyy')).toEqual({ date: '2025-01-31' });
  });

  it('refuses what does not fit the chosen format, and days that do not exist', () => {
    expect(readDate('01/31/2025', 'dd-mm-yyyy')).toEqual({ error: 'no-such-day' });
    expect(readDate('31-01-2025', 'yyyy-mm-dd')).toEqual({ error: 'not-in-format' });
    expect(readDate('31 jan 2025', 'detect')).toEqual({ error: 'not-in-format' });
    expect(readDate('29-02-2025', 'dd-mm-yyyy')).toEqual({ error: 'no-such-day' });
  });

  it('detects only what reads one way', () => {
    expect(readDate('31-01-2025', 'detect')).toEqual({ date: '2025-01-31' });
    expect(readDate('01/31/2025', 'detect')).toEqual({ date: '2025-01-31' });
    expect(readDate('05/05/2025', 'detect')).toEqual({ date: '2025-05-05' });
    expect(readDate('03/04/2025', 'detect')).toEqual({ error: 'ambiguous' });
  });
});

describe('the same credential twice in a chunk', () => {
  it('fails every occurrence, naming the other rows', () => {
    const c = credential();
    const d = credential({ recipientEmail: 'other@example.com', recipientId: 'R-7' });
    const lookups = lookupsOf(c, d);
    const plans = [
      plan(checkCredentialUpdateRow(row({ credentialId: c.id, grade: 'A' }, 2), columns, lookups, settings)),
      plan(checkCredentialUpdateRow(row({ recipientEmail: 'lena@example.com', grade: 'B' }, 5), columns, lookups, settings)),
      plan(checkCredentialUpdateRow(row({ recipientId: 'R-7', grade: 'C' }, 6), columns, lookups, settings)),
    ];
    const { keep, failed } = sameCredentialTwice(plans);
    expect(keep.map((p) => p.row.rowNumber)).toEqual([6]);
    expect(failed.map((f) => [f.rowNumber, f.errors[0].params?.rows])).toEqual([
      [2, '5'],
      [5, '2'],
    ]);
  });
});

describe('undo', () => {
  it('reverts only a credential untouched since the import', () => {
    expect(decideCredentialUndo({ grade: 'A', [VERSION]: 4 }, { version: 4 })).toEqual({ kind: 'revert' });
    expect(decideCredentialUndo({ grade: 'A', [VERSION]: 4 }, { version: 5 })).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' });
    expect(decideCredentialUndo({ grade: 'A', [VERSION]: 4 }, undefined)).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' });
    expect(decideCredentialUndo({ grade: 'A' }, { version: 4 })).toEqual({ kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED' });
  });
});

describe('recorded values put back', () => {
  it('restores standard fields and attributes (null: the attribute had none), leaving the rest', () => {
    const c = credential({ grade: 'A', attributes: { course_code: 'FA-2', location: 'Utrecht' } });
    const fields = withRecordedValues(Credential.restore(c).fields, { grade: 'B', expiresOn: null, 'attributes.course_code': 'FA-1', 'attributes.location': null, [VERSION]: 3 });
    expect(fields).toMatchObject({ grade: 'B', expiresOn: null, recipientName: 'Lena Learner', attributes: { course_code: 'FA-1' } });
    expect(fields.attributes).not.toHaveProperty('location');
  });
});

describe('changedSinceValidation (the run applies only what was confirmed)', () => {
  const plan = (version: number, renewal: boolean, warnings: string[]) =>
    ({ credential: { version }, renewal, warnings: warnings.map((code) => ({ code })), row: { rowNumber: 2, values: {} } }) as unknown as PlannedCredentialUpdate;
  const seen = (version: number, warnings: string[] = []) => ({ warnings: warnings.map((code) => ({ code })), change: { before: { [VERSION]: version } } });

  it('lets a row run when nothing moved and its warnings were acknowledged', () => {
    expect(changedSinceValidation(plan(3, true, [RENEWAL, EMAIL_CHANGE]), seen(3, [RENEWAL, EMAIL_CHANGE]), [EMAIL_CHANGE])).toBeUndefined();
  });
  it('fails a row whose credential version moved since validation', () => {
    expect(changedSinceValidation(plan(4, false, []), seen(3), [])?.code).toBe('CREDENTIALS.IMPORT_CHANGED_MEANWHILE');
    expect(changedSinceValidation(plan(4, false, []), { warnings: [], change: null }, [])?.code).toBe('CREDENTIALS.IMPORT_CHANGED_MEANWHILE');
  });
  it('fails a row whose renewal status changed since validation (either way)', () => {
    expect(changedSinceValidation(plan(3, true, [RENEWAL]), seen(3), [])?.code).toBe('CREDENTIALS.IMPORT_RENEWAL_CHANGED');
    expect(changedSinceValidation(plan(3, false, []), seen(3, [RENEWAL]), [])?.code).toBe('CREDENTIALS.IMPORT_RENEWAL_CHANGED');
  });
  it('fails a row whose plan carries a warning to confirm that was not acknowledged', () => {
    expect(changedSinceValidation(plan(3, false, [OVERWRITES_CORRECTED_NAME]), seen(3, [OVERWRITES_CORRECTED_NAME]), [EMAIL_CHANGE])).toMatchObject({
      code: 'CREDENTIALS.IMPORT_WARNING_NOT_ACKNOWLEDGED',
      params: { codes: OVERWRITES_CORRECTED_NAME },
    });
  });
});

describe('isCredentialId', () => {
  it('takes only uuids: 36 dashes or hex without the groups never reach the lookup', () => {
    expect(isCredentialId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isCredentialId('-'.repeat(36))).toBe(false);
    expect(isCredentialId('0f8fad5bd9cb469fa16570867728950e----')).toBe(false);
  });
});
