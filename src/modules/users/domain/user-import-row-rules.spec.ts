import { describe, expect, it } from 'vitest';
import type { ImportColumn, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { translate } from '#libs/i18n/i18n.js';
import { checkUserRow, type ImportableProfileField, type ImportedUserState, type PlannedCreate, type PlannedUpdate, type UserRowFacts } from './user-import-row-rules.js';
import './users-import-messages.js';

const columns: ImportColumn[] = [
  { key: 'email', header: 'Email', mandatory: true, note: '', kind: 'text' },
  { key: 'firstName', header: 'First Name', mandatory: false, note: '', kind: 'text' },
  { key: 'lastName', header: 'Last Name', mandatory: false, note: '', kind: 'text' },
  { key: 'userCode', header: 'User Code', mandatory: false, note: '', kind: 'text' },
  { key: 'language', header: 'Language', mandatory: false, note: '', kind: 'text' },
  { key: 'profile.contract_type', header: 'Contract type', mandatory: false, note: '', kind: 'text' },
  { key: 'profile.hours', header: 'Hours', mandatory: false, note: '', kind: 'text' },
];
const fields = () =>
  new Map<string, ImportableProfileField>([
    ['contract_type', { key: 'contract_type', label: 'Contract type', type: 'select', options: ['permanent', 'temporary'] }],
    ['hours', { key: 'hours', label: 'Hours', type: 'number', options: null }],
  ]);
const existing: ImportedUserState = {
  id: 'u-1',
  email: 'lena@example.com',
  firstName: 'Lena',
  lastName: 'de Vries',
  userCode: 'L-1',
  language: 'nl',
  profile: { contract_type: 'permanent' },
};
const facts = (more: Partial<UserRowFacts> = {}): UserRowFacts => ({ unmanageable: false, userCodeTaken: false, fields: fields(), fillTerms: false, defaultLanguage: 'en', mayCreate: true, ...more });

function row(values: Partial<Record<string, string>>): RawImportRow {
  return { rowNumber: 4, values: { email: '', firstName: '', lastName: '', userCode: '', language: '', 'profile.contract_type': '', 'profile.hours': '', ...values } as Record<string, string> };
}
const errorsOf = (result: ReturnType<typeof checkUserRow>) => ('status' in result ? result.errors : []);
const codes = (result: ReturnType<typeof checkUserRow>) => errorsOf(result).map((e) => e.code);

describe('users import row rules', () => {
  it('plans a new user with defaults for empty cells', () => {
    const result = checkUserRow(row({ email: ' New@Example.com ', firstName: 'Noor', lastName: 'Jansen', 'profile.hours': '32,5' }), columns, facts()) as PlannedCreate;
    expect(result).toMatchObject({ kind: 'create', email: 'new@example.com', values: { firstName: 'Noor', lastName: 'Jansen', userCode: null, language: 'en', profile: { hours: 32.5 } } });
    expect(result.after).toEqual({ email: 'new@example.com', firstName: 'Noor', lastName: 'Jansen', userCode: null, language: 'en', 'profile.hours': 32.5 });
  });

  it('fails an invalid email, naming the column', () => {
    const result = checkUserRow(row({ email: 'not-an-address', firstName: 'A', lastName: 'B' }), columns, facts());
    expect(errorsOf(result)).toEqual([{ code: 'USERS.IMPORT_EMAIL_INVALID', column: 'email', params: { column: 'Email', value: 'not-an-address' } }]);
    expect(translate('USERS.IMPORT_EMAIL_INVALID', 'en', errorsOf(result)[0].params)).toBe('Email: "not-an-address" is not a valid email address.');
    expect(codes(checkUserRow(row({}), columns, facts()))).toEqual(['USERS.IMPORT_VALUE_REQUIRED']);
  });

  it('needs a first and last name for a new user', () => {
    const result = checkUserRow(row({ email: 'new@example.com', firstName: 'Noor' }), columns, facts());
    expect(errorsOf(result)).toEqual([{ code: 'USERS.IMPORT_USER_NOT_AVAILABLE', column: 'email', params: { email: 'new@example.com', columns: 'Last Name' } }]);
  });

  it('answers a user the admin may not change exactly like an unknown email', () => {
    const values = { email: 'hidden@example.com', language: 'en' };
    const unknown = checkUserRow(row(values), columns, facts());
    const hidden = checkUserRow(row(values), columns, facts({ unmanageable: true }));
    expect(hidden).toEqual(unknown);
    // Only a row that would create the user learns that the address is in use (emails are unique platform-wide).
    expect(codes(checkUserRow(row({ ...values, firstName: 'H', lastName: 'Idden' }), columns, facts({ unmanageable: true })))).toEqual(['USERS.IMPORT_EMAIL_NOT_AVAILABLE']);
    expect(codes(checkUserRow(row({ ...values, firstName: 'H', lastName: 'Idden' }), columns, facts({ mayCreate: false })))).toEqual(['USERS.IMPORT_NEW_USER_NEEDS_GROUP']);
  });

  it('updates only what differs, and leaves empty cells alone', () => {
    const result = checkUserRow(row({ email: 'lena@example.com', lastName: 'de Vries', language: 'EN', 'profile.hours': '36' }), columns, facts({ existing })) as PlannedUpdate;
    expect(result).toMatchObject({ kind: 'update', set: { language: 'en', profile: { hours: 36 } } });
    expect(result.set.lastName).toBeUndefined();
    expect(result.before).toEqual({ language: 'nl', 'profile.hours': null });
    expect(result.after).toEqual({ language: 'en', 'profile.hours': 36 });
    const unchanged = checkUserRow(row({ email: 'lena@example.com', firstName: 'Lena', 'profile.contract_type': 'PERMANENT' }), columns, facts({ existing })) as PlannedUpdate;
    expect(unchanged.after).toEqual({});
  });

  it('fails an unsupported language and accepts its name', () => {
    expect(errorsOf(checkUserRow(row({ email: 'lena@example.com', language: 'fr' }), columns, facts({ existing })))).toEqual([
      { code: 'USERS.IMPORT_LANGUAGE_UNSUPPORTED', column: 'language', params: { column: 'Language', value: 'fr', supported: 'en, nl' } },
    ]);
    expect(checkUserRow(row({ email: 'lena@example.com', language: 'Nederlands' }), columns, facts({ existing }))).toMatchObject({ kind: 'update', after: {} });
  });

  it('fails several terms in one cell, whatever the separator', () => {
    for (const value of ['permanent, temporary', 'permanent;temporary', 'permanent | temporary']) {
      expect(errorsOf(checkUserRow(row({ email: 'lena@example.com', 'profile.contract_type': value }), columns, facts({ existing })))).toEqual([
        { code: 'USERS.IMPORT_SEVERAL_TERMS', column: 'profile.contract_type', params: { column: 'Contract type', value } },
      ]);
    }
  });

  it('fails an unknown term unless fillTerms adds it with a warning', () => {
    const values = { email: 'lena@example.com', 'profile.contract_type': 'Intern' };
    expect(codes(checkUserRow(row(values), columns, facts({ existing })))).toEqual(['USERS.IMPORT_TERM_UNKNOWN']);
    const filled = checkUserRow(row(values), columns, facts({ existing, fillTerms: true })) as PlannedUpdate;
    expect(filled).toMatchObject({ set: { profile: { contract_type: 'Intern' } }, newTerms: [{ field: 'contract_type', term: 'Intern' }] });
    expect(filled.warnings).toEqual([{ code: 'USERS.IMPORT_TERM_ADDED', column: 'profile.contract_type', params: { column: 'Contract type', value: 'Intern' } }]);
  });

  it('checks user codes and numbers, all problems of a row at once', () => {
    const result = checkUserRow(row({ email: 'lena@example.com', userCode: 'has space', 'profile.hours': 'many', language: 'xx' }), columns, facts({ existing })) as RowOutcome;
    expect(result.status).toBe('failed');
    expect(codes(result)).toEqual(['USERS.IMPORT_USER_CODE_INVALID', 'USERS.IMPORT_LANGUAGE_UNSUPPORTED', 'USERS.IMPORT_VALUE_INVALID']);
    expect(codes(checkUserRow(row({ email: 'lena@example.com', userCode: 'L-9' }), columns, facts({ existing, userCodeTaken: true })))).toEqual(['USERS.IMPORT_USER_CODE_TAKEN']);
  });

  it('tells an admin who may not create users nothing about an address outside their scope, names or not', () => {
    const named = { email: 'hidden@example.com', firstName: 'H', lastName: 'Idden' };
    const known = checkUserRow(row(named), columns, facts({ unmanageable: true, mayCreate: false }));
    const unknown = checkUserRow(row(named), columns, facts({ unmanageable: false, mayCreate: false }));
    expect(codes(known)).toEqual(['USERS.IMPORT_NEW_USER_NEEDS_GROUP']);
    expect(errorsOf(known)).toEqual(errorsOf(unknown));
  });

  it('fails a row whose mapped profile column is no longer open for import, naming the column', () => {
    const open = fields();
    open.delete('hours');
    const result = checkUserRow(row({ email: 'lena@example.com', 'profile.hours': '12' }), columns, facts({ existing, fields: open }));
    expect(errorsOf(result)).toEqual([{ code: 'USERS.IMPORT_FIELD_NOT_OPEN', column: 'profile.hours', params: { header: 'Hours', field: 'hours' } }]);
    // An empty cell of such a column changes nothing and is no reason to fail.
    expect(checkUserRow(row({ email: 'lena@example.com', firstName: 'Lena' }), columns, facts({ existing, fields: open }))).toMatchObject({ kind: 'update' });
  });
});
