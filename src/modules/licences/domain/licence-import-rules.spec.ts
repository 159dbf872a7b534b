import { describe, expect, it } from 'vitest';
import type { RawImportRow, RowChange } from '#libs/contracts/imports/index.js';
import { checkLicenceRow, decideLicenceUndo, LICENCE_ENTITY, type LicenceRecord, type LicenceTypeFacts } from './licence-import-rules.js';

const type: LicenceTypeFacts = { id: 'type-1', code: 'RN', name: 'Nurse', status: 'active', numberRequired: true, defaultValidityMonths: 24 };
const free: LicenceTypeFacts = { ...type, id: 'type-2', code: 'FOOD', numberRequired: false, defaultValidityMonths: null };
const user = { id: 'user-1' };
const existing: LicenceRecord = { id: 'lic-1', userId: 'user-1', typeId: 'type-1', number: 'N1', jurisdiction: 'CA', issuedOn: '2025-01-01', expiresOn: '2027-01-01', version: 7 };

function row(values: Partial<Record<string, string>>, rowNumber = 2): RawImportRow {
  return { rowNumber, values: { action: 'Add', user: 'L-1', typeCode: 'RN', typeName: '', number: 'N1', jurisdiction: '', issuedOn: '2026-01-10', expiresOn: '', ...values } as Record<string, string> };
}
const codes = (result: ReturnType<typeof checkLicenceRow>) => ('status' in result ? result.errors.map((e) => e.code) : []);

describe('licences import row rules', () => {
  it('plans an Add with the expiry from the default validity', () => {
    const result = checkLicenceRow(row({}), { user, type });
    expect(result).toMatchObject({ kind: 'add', userId: 'user-1', number: 'N1', issuedOn: '2026-01-10', expiresOn: '2028-01-10' });
  });

  it('refuses an Add of a licence the user has, suggesting Edit', () => {
    expect(codes(checkLicenceRow(row({ number: 'n1' }), { user, type, existing }))).toEqual(['LICENCES.IMPORT_ALREADY_EXISTS']);
  });

  it('refuses Edit and Delete of a missing licence, naming whether it had a number', () => {
    expect(codes(checkLicenceRow(row({ action: 'Edit' }), { user, type }))).toEqual(['LICENCES.IMPORT_NOT_FOUND']);
    expect(codes(checkLicenceRow(row({ action: 'delete', typeCode: 'FOOD', number: '' }), { user, type: free }))).toEqual(['LICENCES.IMPORT_NOT_FOUND_WITHOUT_NUMBER']);
  });

  it('edits what is given and keeps what is empty', () => {
    const result = checkLicenceRow(row({ action: 'EDIT', issuedOn: '', expiresOn: '2028-06-30', jurisdiction: '' }), { user, type, existing });
    expect(result).toMatchObject({ kind: 'edit', issuedOn: '2025-01-01', expiresOn: '2028-06-30', jurisdiction: 'CA', changed: true });
    expect(checkLicenceRow(row({ action: 'Edit', issuedOn: '', expiresOn: '' }), { user, type, existing })).toMatchObject({ kind: 'edit', changed: false });
  });

  it('fails an Action cell that names an Object.prototype member (constructor, __proto__, toString) as an invalid action', () => {
    for (const action of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(codes(checkLicenceRow(row({ action }), { user, type }))).toEqual(['LICENCES.IMPORT_ACTION_INVALID']);
    }
  });

  it('plans a Delete, also of a retired type', () => {
    expect(checkLicenceRow(row({ action: 'Delete' }), { user, type: { ...type, status: 'retired' }, existing })).toMatchObject({ kind: 'delete', existing });
  });

  it('reports the row rules: action, user (unknown = out of scope), unknown and retired type, number, dates', () => {
    expect(codes(checkLicenceRow(row({ action: 'Upsert' }), { user, type }))).toEqual(['LICENCES.IMPORT_ACTION_INVALID']);
    expect(codes(checkLicenceRow(row({}), { type }))).toEqual(['LICENCES.IMPORT_USER_NOT_FOUND']);
    expect(codes(checkLicenceRow(row({ user: '' }), { type }))).toEqual(['LICENCES.IMPORT_USER_REQUIRED']);
    expect(codes(checkLicenceRow(row({ typeCode: 'NOPE' }), { user }))).toEqual(['LICENCES.IMPORT_TYPE_UNKNOWN']);
    expect(codes(checkLicenceRow(row({}), { user, type: { ...type, status: 'retired' } }))).toEqual(['LICENCES.IMPORT_TYPE_RETIRED']);
    expect(codes(checkLicenceRow(row({ action: 'Edit' }), { user, type: { ...type, status: 'retired' }, existing }))).toEqual(['LICENCES.IMPORT_TYPE_RETIRED']);
    expect(codes(checkLicenceRow(row({ number: '' }), { user, type }))).toEqual(['LICENCES.IMPORT_NUMBER_REQUIRED']);
    expect(codes(checkLicenceRow(row({ issuedOn: '' }), { user, type }))).toEqual(['LICENCES.IMPORT_ISSUE_DATE_REQUIRED']);
    expect(codes(checkLicenceRow(row({ issuedOn: '31-02-2026' }), { user, type }))).toEqual(['LICENCES.IMPORT_DATE_INVALID']);
    expect(codes(checkLicenceRow(row({ expiresOn: '2026-01-09' }), { user, type }))).toEqual(['LICENCES.EXPIRY_BEFORE_ISSUE']);
    expect(codes(checkLicenceRow(row({ action: 'Edit', expiresOn: '2024-12-31' }), { user, type, existing }))).toEqual(['LICENCES.EXPIRY_BEFORE_ISSUE']);
  });

  it('accepts dd-mm-yyyy too', () => {
    expect(checkLicenceRow(row({ issuedOn: '10-01-2026', expiresOn: '31-12-2026' }), { user, type })).toMatchObject({ issuedOn: '2026-01-10', expiresOn: '2026-12-31' });
  });

  it('fails the second row of the same licence in a chunk', () => {
    expect(codes(checkLicenceRow(row({}, 5), { user, type, sameKeyRow: 3 }))).toEqual(['LICENCES.IMPORT_SAME_LICENCE_TWICE']);
  });
});

describe('licences undo rules', () => {
  const state = { userId: 'user-1', typeId: 'type-1', number: 'N1', jurisdiction: 'CA', issuedOn: '2025-01-01', expiresOn: '2027-01-01' };
  const add: RowChange = { entity: LICENCE_ENTITY, id: 'lic-1', before: null, after: { ...state, version: 7 } };
  const edit: RowChange = { entity: LICENCE_ENTITY, id: 'lic-1', before: { ...state, expiresOn: '2026-01-01', version: 3 }, after: { ...state, version: 7 } };
  const del: RowChange = { entity: LICENCE_ENTITY, id: 'lic-1', before: { ...state, version: 3 }, after: null };

  it('removes an added licence still as imported; leaves a changed or gone one', () => {
    expect(decideLicenceUndo(add, existing, false)).toEqual({ kind: 'remove', id: 'lic-1' });
    expect(decideLicenceUndo(add, { ...existing, version: 8 }, false)).toMatchObject({ kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' });
    expect(decideLicenceUndo(add, undefined, false)).toMatchObject({ kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' });
  });

  it('reverts an edit to the recorded values', () => {
    expect(decideLicenceUndo(edit, existing, false)).toEqual({ kind: 'revert', id: 'lic-1', to: { ...state, expiresOn: '2026-01-01' } });
  });

  it('restores a deleted licence unless it is back or its identity was taken', () => {
    expect(decideLicenceUndo(del, undefined, false)).toEqual({ kind: 'restore', id: 'lic-1', to: state });
    expect(decideLicenceUndo(del, undefined, true)).toMatchObject({ kind: 'skip', code: 'LICENCES.UNDO_IDENTITY_TAKEN' });
    expect(decideLicenceUndo(del, existing, false)).toMatchObject({ kind: 'skip' });
  });

  it('refuses a change it does not understand', () => {
    expect(decideLicenceUndo({ ...add, entity: 'user' }, existing, false)).toMatchObject({ kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED' });
    expect(decideLicenceUndo({ ...add, after: { version: 'x' } }, existing, false)).toMatchObject({ kind: 'fail' });
  });
});
