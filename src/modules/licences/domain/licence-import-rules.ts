import type { ImportMessage, RawImportRow, RowChange, RowOutcome } from '#libs/contracts/imports/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { parseDateCell } from '#libs/spreadsheet/dates.js';
import { echo, jurisdiction, licenceDates, licenceNumber } from './licence.js';
import type { LicenceTypeStatus } from './licence-type.js';

/** The entity name of a licence in an import's recorded changes (RowChange.entity). */
export const LICENCE_ENTITY = 'user-licence';

export type LicenceAction = 'add' | 'edit' | 'delete';

/** Action cell texts, compared case-insensitively (English first; the Dutch words are accepted too). */
const ACTIONS = new Map<string, LicenceAction>([
  ['add', 'add'],
  ['edit', 'edit'],
  ['delete', 'delete'],
  ['toevoegen', 'add'],
  ['wijzigen', 'edit'],
  ['verwijderen', 'delete'],
]);

export interface LicenceTypeFacts {
  id: string;
  code: string;
  name: string;
  status: LicenceTypeStatus;
  numberRequired: boolean;
  defaultValidityMonths: number | null;
}

/** A licence as stored, as the import rules and undo see it (and record it in before/after). */
export interface LicenceRecord {
  id: string;
  userId: string;
  typeId: string;
  number: string | null;
  jurisdiction: string | null;
  issuedOn: string;
  expiresOn: string | null;
  version: number;
}

/** What the chunk's lookups found for a row. */
export interface LicenceRowFacts {
  /** The user named in the row, when they exist, are active and in the admin's scope. */
  user?: { id: string };
  type?: LicenceTypeFacts;
  /** The licence with the row's identity (user + type + number), if there is one. */
  existing?: LicenceRecord;
  /** An earlier row of the same chunk with the same identity. */
  sameKeyRow?: number;
}

export type PlannedLicenceRow =
  | { kind: 'add'; row: RawImportRow; userId: string; type: LicenceTypeFacts; number: string | null; jurisdiction: string | null; issuedOn: string; expiresOn: string | null }
  | { kind: 'edit'; row: RawImportRow; type: LicenceTypeFacts; existing: LicenceRecord; jurisdiction: string | null; issuedOn: string; expiresOn: string | null; changed: boolean }
  | { kind: 'delete'; row: RawImportRow; type: LicenceTypeFacts; existing: LicenceRecord };

/** The cells the lookups need, trimmed: the action, the user key, the type code (upper case) and the number. */
export function rowKeys(row: RawImportRow): { action: LicenceAction | undefined; user: string; typeCode: string; number: string } {
  const v = row.values;
  return {
    // A Map, not an object: a cell `constructor` or `__proto__` must not find Object.prototype's members.
    action: ACTIONS.get((v.action ?? '').trim().toLowerCase()),
    user: (v.user ?? '').normalize('NFC').trim(),
    typeCode: (v.typeCode ?? '').normalize('NFC').trim().toUpperCase(),
    number: (v.number ?? '').normalize('NFC').trim(),
  };
}

/**
 * The rules of one licences-import row, all problems at once where they are independent:
 * - Action is Add, Edit or Delete;
 * - the user exists and is in the admin's scope (one message for unknown and out of scope: no leak);
 * - the licence type exists; Add and Edit refuse a retired type (Delete is allowed, to clean up);
 * - Add: a number where the type requires one, an issue date, dates that are dates, an expiry not before
 *   the issue (an empty expiry is issue + the type's default validity); a licence with the same user +
 *   type + number must not exist (the error suggests Edit);
 * - Edit and Delete: the licence with that user + type + number exists; Edit changes the state and
 *   dates given (empty: unchanged), and the result is checked as a whole;
 * - a second row of the same licence in one chunk fails (it would depend on the order of writes).
 */
export function checkLicenceRow(row: RawImportRow, facts: LicenceRowFacts): PlannedLicenceRow | RowOutcome {
  const errors: ImportMessage[] = [];
  const keys = rowKeys(row);
  if (!keys.action) errors.push({ code: 'LICENCES.IMPORT_ACTION_INVALID', column: 'action', params: { value: echo(row.values.action ?? '', 40) } });
  if (!keys.user) errors.push({ code: 'LICENCES.IMPORT_USER_REQUIRED', column: 'user' });
  else if (!facts.user) errors.push({ code: 'LICENCES.IMPORT_USER_NOT_FOUND', column: 'user', params: { user: echo(keys.user, 100) } });
  const type = facts.type;
  if (!keys.typeCode) errors.push({ code: 'LICENCES.IMPORT_TYPE_REQUIRED', column: 'typeCode' });
  else if (!type) errors.push({ code: 'LICENCES.IMPORT_TYPE_UNKNOWN', column: 'typeCode', params: { type: echo(keys.typeCode, 64) } });
  else if (type.status === 'retired' && keys.action !== 'delete') errors.push({ code: 'LICENCES.IMPORT_TYPE_RETIRED', column: 'typeCode', params: { type: type.code } });

  let number: string | null = null;
  try {
    number = licenceNumber(keys.number);
  } catch (error) {
    errors.push(messageOf(error, 'number'));
  }
  const issued = dateOf(row.values.issuedOn, 'issuedOn', errors);
  const expires = dateOf(row.values.expiresOn, 'expiresOn', errors);
  let state: string | null = null;
  try {
    state = jurisdiction(row.values.jurisdiction);
  } catch (error) {
    errors.push(messageOf(error, 'jurisdiction'));
  }
  if (keys.action === 'add' && type && type.numberRequired && number === null && keys.number === '') {
    errors.push({ code: 'LICENCES.IMPORT_NUMBER_REQUIRED', column: 'number', params: { type: type.code } });
  }
  if (keys.action === 'add' && issued === null && !errors.some((e) => e.column === 'issuedOn')) {
    errors.push({ code: 'LICENCES.IMPORT_ISSUE_DATE_REQUIRED', column: 'issuedOn' });
  }
  if (errors.length > 0 || !keys.action || !type || !facts.user) return failed(row, errors);

  if (facts.sameKeyRow !== undefined) return failed(row, [{ code: 'LICENCES.IMPORT_SAME_LICENCE_TWICE', params: { row: facts.sameKeyRow } }]);
  const existing = facts.existing;
  switch (keys.action) {
    case 'add': {
      if (existing) return failed(row, [{ code: 'LICENCES.IMPORT_ALREADY_EXISTS', params: { type: type.code, number: number ?? '' } }]);
      const dates = datesOf(issued!, expires, type.defaultValidityMonths, errors);
      if (!dates) return failed(row, errors);
      return { kind: 'add', row, userId: facts.user.id, type, number, jurisdiction: state, ...dates };
    }
    case 'edit': {
      if (!existing) return failed(row, [notFoundMessage(type, number)]);
      const issuedOn = issued ?? existing.issuedOn;
      const expiresOn = expires ?? existing.expiresOn;
      // An edit sets what it gives; an empty expiry keeps the stored one (it is not recomputed from the validity).
      const dates = datesOf(issuedOn, expiresOn, null, errors);
      if (!dates) return failed(row, errors);
      const nextJurisdiction = state ?? existing.jurisdiction;
      const changed = dates.issuedOn !== existing.issuedOn || dates.expiresOn !== existing.expiresOn || nextJurisdiction !== existing.jurisdiction;
      return { kind: 'edit', row, type, existing, jurisdiction: nextJurisdiction, ...dates, changed };
    }
    case 'delete':
      if (!existing) return failed(row, [notFoundMessage(type, number)]);
      return { kind: 'delete', row, type, existing };
    default:
      return failed(row, [{ code: 'LICENCES.IMPORT_ACTION_INVALID', column: 'action', params: { value: String(keys.action).slice(0, 40) } }]);
  }
}

function notFoundMessage(type: LicenceTypeFacts, number: string | null): ImportMessage {
  return number === null
    ? { code: 'LICENCES.IMPORT_NOT_FOUND_WITHOUT_NUMBER', params: { type: type.code } }
    : { code: 'LICENCES.IMPORT_NOT_FOUND', params: { type: type.code, number } };
}

function datesOf(issuedOn: string, expiresOn: string | null, validity: number | null, errors: ImportMessage[]) {
  try {
    return licenceDates(issuedOn, expiresOn, validity);
  } catch (error) {
    errors.push(messageOf(error, 'expiresOn'));
    return undefined;
  }
}

function dateOf(raw: string | undefined, column: string, errors: ImportMessage[]): string | null {
  const parsed = parseDateCell(raw ?? '');
  if (!parsed.ok) {
    errors.push({ code: 'LICENCES.IMPORT_DATE_INVALID', column, params: { value: echo(raw ?? '', 40) } });
    return null;
  }
  return parsed.date;
}

function messageOf(error: unknown, column: string): ImportMessage {
  if (!(error instanceof DomainError)) throw error;
  return { code: error.code, column, params: error.params as Record<string, string | number> };
}

function failed(row: RawImportRow, errors: ImportMessage[]): RowOutcome {
  return { rowNumber: row.rowNumber, status: 'failed', errors, warnings: [] };
}

/** A licence as recorded in a row's change (before/after), without the id (the change carries it). */
export function recordedState(licence: Omit<LicenceRecord, 'id'>): Record<string, unknown> {
  return {
    userId: licence.userId,
    typeId: licence.typeId,
    number: licence.number,
    jurisdiction: licence.jurisdiction,
    issuedOn: licence.issuedOn,
    expiresOn: licence.expiresOn,
    version: licence.version,
  };
}

export type LicenceUndoDecision =
  | { kind: 'remove'; id: string }
  | { kind: 'revert'; id: string; to: Omit<LicenceRecord, 'id' | 'version'> }
  | { kind: 'restore'; id: string; to: Omit<LicenceRecord, 'id' | 'version'> }
  | { kind: 'skip'; code: string; params?: Record<string, string | number> }
  | { kind: 'fail'; code: string; params?: Record<string, string | number> };

/**
 * What undoing one recorded change does, given the licence as it is now (undefined: gone):
 * - an Add (before null) removes the licence, if it is still as the import left it (same version);
 * - an Edit puts the recorded values back, if the licence is still as the import left it;
 * - a Delete (after null) restores the licence with its id and values, unless a licence with the same
 *   identity was recorded since (`identityTaken`), or it is back already.
 * A licence changed since is left alone with a warning (skipped), as the other types do.
 */
export function decideLicenceUndo(change: RowChange, now: LicenceRecord | undefined, identityTaken: boolean): LicenceUndoDecision {
  if (change.entity !== LICENCE_ENTITY) return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'licences' } };
  if (change.after === null) {
    const before = asState(change.before);
    if (!before) return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'licences' } };
    if (now) return { kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' };
    if (identityTaken) return { kind: 'skip', code: 'LICENCES.UNDO_IDENTITY_TAKEN' };
    return { kind: 'restore', id: change.id, to: before };
  }
  const afterVersion = change.after.version;
  if (typeof afterVersion !== 'number') return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'licences' } };
  if (!now) return { kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' };
  if (now.version !== afterVersion) return { kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' };
  if (change.before === null) return { kind: 'remove', id: change.id };
  const before = asState(change.before);
  if (!before) return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'licences' } };
  return { kind: 'revert', id: change.id, to: before };
}

function asState(recorded: Record<string, unknown> | null): Omit<LicenceRecord, 'id' | 'version'> | undefined {
  if (!recorded || typeof recorded.userId !== 'string' || typeof recorded.typeId !== 'string' || typeof recorded.issuedOn !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    userId: recorded.userId,
    typeId: recorded.typeId,
    number: text(recorded.number),
    jurisdiction: text(recorded.jurisdiction),
    issuedOn: recorded.issuedOn,
    expiresOn: text(recorded.expiresOn),
  };
}
