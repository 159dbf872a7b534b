import type { ImportColumn, ImportMessage, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { SUPPORTED_LANGUAGES, type Language } from '#libs/i18n/i18n.js';
import type { ProfileFieldType, ProfileValue } from './profile-field-definition.js';
import { User } from './user.js';

/** Column keys of profile fields: `profile.<field key>`. */
export const PROFILE_COLUMN_PREFIX = 'profile.';
/** Separators that put several taxonomy terms in one cell. */
const TERM_SEPARATORS = /[,;|]/;
const LANGUAGE_NAMES: Record<string, Language> = { english: 'en', engels: 'en', dutch: 'nl', nederlands: 'nl' };
const TRUE_TEXT = ['true', 'waar', 'ja', 'yes', '1'];
const FALSE_TEXT = ['false', 'onwaar', 'nee', 'no', '0'];

/** The user fields an import writes besides profile values. */
export type UserImportField = 'firstName' | 'lastName' | 'userCode' | 'language';
const USER_FIELDS: UserImportField[] = ['firstName', 'lastName', 'userCode', 'language'];

/** An active user found by the row's email whom the admin may change (in scope, nothing beyond their permissions). */
export interface ImportedUserState {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userCode: string | null;
  language: string;
  profile: Record<string, ProfileValue>;
}

/** A profile field open for import (never a date field). `select` fields are the taxonomy: their options are its terms. */
export interface ImportableProfileField {
  key: string;
  label: string;
  type: ProfileFieldType;
  options: string[] | null;
}

/** What the chunk's lookups found for one row. */
export interface UserRowFacts {
  /** The user with the row's email, when the admin may change them. */
  existing?: ImportedUserState;
  /** An active user with the row's email exists whom the admin may not change (out of scope, or holding more). */
  unmanageable: boolean;
  /** Another active user already holds the row's user code. */
  userCodeTaken: boolean;
  /** Fields open for import, by field key; a term added for one row is known to the next. */
  fields: Map<string, ImportableProfileField>;
  fillTerms: boolean;
  defaultLanguage: Language;
  /** False for a limited admin who chose no group: they could not see a user they created. */
  mayCreate: boolean;
}

/** Values as a change record holds them: user fields by name, profile values as `profile.<key>`. */
export type RecordedValues = Record<string, string | number | boolean | null>;

interface PlannedRow {
  row: RawImportRow;
  warnings: ImportMessage[];
  /** Taxonomy terms the row adds (fillTerms), by field key. */
  newTerms: { field: string; term: string }[];
}

export interface PlannedCreate extends PlannedRow {
  kind: 'create';
  email: string;
  values: { firstName: string; lastName: string; userCode: string | null; language: Language; profile: Record<string, ProfileValue> };
  /** Every value the new user gets, as recorded for undo. */
  after: RecordedValues;
}

export interface PlannedUpdate extends PlannedRow {
  kind: 'update';
  user: ImportedUserState;
  /** Only the fields whose value changes (empty: the row changes no field). */
  set: Partial<Record<UserImportField, string>> & { profile: Record<string, ProfileValue> };
  before: RecordedValues;
  after: RecordedValues;
}

export type PlannedUserRow = PlannedCreate | PlannedUpdate;

/**
 * The row rules of a users import, all of a row's problems at once. Pure: the lookups are the caller's.
 * - The email is the key: invalid -> error. Unknown -> a new user, which needs a first and last name.
 * - A user the admin may not change fails exactly like an unknown email the row could not create
 *   (USERS.IMPORT_USER_NOT_AVAILABLE): nothing tells them the account exists. Only a row that would create
 *   the user (both names filled), of an admin who may create users, learns that the address is taken
 *   (USERS.IMPORT_EMAIL_NOT_AVAILABLE): email addresses are unique across the platform, as POST /api/users
 *   says too. An admin who may not create users gets USERS.IMPORT_NEW_USER_NEEDS_GROUP for any such row.
 * - A mapped profile column whose field is no longer open for import fails the row (USERS.IMPORT_FIELD_NOT_OPEN).
 * - Empty cells leave existing values unchanged; only values that differ are set.
 * - Taxonomy (select) fields take one term; an unknown term fails unless fillTerms adds it (with a warning).
 */
export function checkUserRow(row: RawImportRow, columns: ImportColumn[], facts: UserRowFacts): PlannedUserRow | RowOutcome {
  const values = row.values;
  const text = (key: string) => (values[key] ?? '').trim();
  const header = (key: string) => columns.find((column) => column.key === key)?.header ?? key;
  const errors: ImportMessage[] = [];
  const warnings: ImportMessage[] = [];
  const newTerms: { field: string; term: string }[] = [];
  const failed = (): RowOutcome => ({ rowNumber: row.rowNumber, status: 'failed', errors, warnings });

  const emailText = text('email');
  let email = '';
  if (!emailText) errors.push({ code: 'USERS.IMPORT_VALUE_REQUIRED', column: 'email', params: { column: header('email') } });
  else {
    try {
      email = User.normaliseEmail(emailText);
    } catch {
      errors.push({ code: 'USERS.IMPORT_EMAIL_INVALID', column: 'email', params: { column: header('email'), value: emailText } });
    }
  }

  const { existing } = facts;
  if (email && !existing) {
    const missing = (['firstName', 'lastName'] as const).filter((key) => !text(key));
    if (missing.length > 0) {
      // The same words whether the address is unknown or belongs to someone the admin may not change.
      errors.push({ code: 'USERS.IMPORT_USER_NOT_AVAILABLE', column: 'email', params: { email, columns: missing.map(header).join(', ') } });
    } else if (!facts.mayCreate) {
      // Before the unmanageable case: an admin who could not create the user learns nothing about the address.
      errors.push({ code: 'USERS.IMPORT_NEW_USER_NEEDS_GROUP', column: 'email' });
    } else if (facts.unmanageable) {
      errors.push({ code: 'USERS.IMPORT_EMAIL_NOT_AVAILABLE', column: 'email', params: { email } });
    }
  }

  let userCode: string | null = null;
  if (text('userCode')) {
    try {
      userCode = User.normaliseUserCode(text('userCode'));
    } catch {
      errors.push({ code: 'USERS.IMPORT_USER_CODE_INVALID', column: 'userCode', params: { column: header('userCode'), value: text('userCode') } });
    }
    if (userCode !== null && facts.userCodeTaken && userCode !== existing?.userCode) {
      errors.push({ code: 'USERS.IMPORT_USER_CODE_TAKEN', column: 'userCode', params: { column: header('userCode'), value: userCode } });
    }
  }

  let language: Language | undefined;
  if (text('language')) {
    language = languageOf(text('language'));
    if (!language) {
      errors.push({ code: 'USERS.IMPORT_LANGUAGE_UNSUPPORTED', column: 'language', params: { column: header('language'), value: text('language'), supported: SUPPORTED_LANGUAGES.join(', ') } });
    }
  }

  const profile: Record<string, ProfileValue> = {};
  for (const key of Object.keys(values)) {
    if (!key.startsWith(PROFILE_COLUMN_PREFIX) || !text(key)) continue;
    const field = facts.fields.get(key.slice(PROFILE_COLUMN_PREFIX.length));
    if (!field) {
      // Mapped while open, closed to imports (or removed) since: the value is refused, never silently dropped.
      errors.push({ code: 'USERS.IMPORT_FIELD_NOT_OPEN', column: key, params: { header: header(key), field: key.slice(PROFILE_COLUMN_PREFIX.length) } });
      continue;
    }
    const value = profileValue(field, text(key), { column: header(key), columnKey: key, fillTerms: facts.fillTerms, errors, warnings, newTerms });
    if (value !== undefined) profile[field.key] = value;
  }

  if (errors.length > 0) return failed();

  if (!existing) {
    const created = {
      firstName: text('firstName'),
      lastName: text('lastName'),
      userCode,
      language: language ?? facts.defaultLanguage,
      profile,
    };
    const after: RecordedValues = { email, firstName: created.firstName, lastName: created.lastName, userCode, language: created.language };
    for (const [key, value] of Object.entries(profile)) after[PROFILE_COLUMN_PREFIX + key] = value;
    return { kind: 'create', row, warnings, newTerms, email, values: created, after };
  }

  const wanted: Partial<Record<UserImportField, string>> = {
    firstName: text('firstName') || undefined,
    lastName: text('lastName') || undefined,
    userCode: userCode ?? undefined,
    language,
  };
  const set: PlannedUpdate['set'] = { profile: {} };
  const before: RecordedValues = {};
  const after: RecordedValues = {};
  for (const field of USER_FIELDS) {
    const value = wanted[field];
    if (value === undefined || value === existing[field]) continue;
    set[field] = value;
    before[field] = existing[field];
    after[field] = value;
  }
  for (const [key, value] of Object.entries(profile)) {
    const current = existing.profile[key] ?? null;
    if (current === value) continue;
    set.profile[key] = value;
    before[PROFILE_COLUMN_PREFIX + key] = current;
    after[PROFILE_COLUMN_PREFIX + key] = value;
  }
  return { kind: 'update', row, warnings, newTerms, user: existing, set, before, after };
}

/** True when the row changes at least one field of an existing user. */
export function changesFields(plan: PlannedUpdate): boolean {
  return Object.keys(plan.after).length > 0;
}

function languageOf(value: string): Language | undefined {
  const lower = value.toLowerCase();
  if ((SUPPORTED_LANGUAGES as readonly string[]).includes(lower)) return lower as Language;
  return LANGUAGE_NAMES[lower];
}

/** A profile cell as its stored value; undefined when it is wrong (an error is recorded). */
function profileValue(
  field: ImportableProfileField,
  value: string,
  at: { column: string; columnKey: string; fillTerms: boolean; errors: ImportMessage[]; warnings: ImportMessage[]; newTerms: { field: string; term: string }[] },
): ProfileValue | undefined {
  const { column, columnKey } = at;
  switch (field.type) {
    case 'text':
      return value;
    case 'number': {
      const number = Number(value.replace(',', '.'));
      if (Number.isFinite(number)) return number;
      at.errors.push({ code: 'USERS.IMPORT_VALUE_INVALID', column: columnKey, params: { column, value, type: 'number' } });
      return undefined;
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (TRUE_TEXT.includes(lower)) return true;
      if (FALSE_TEXT.includes(lower)) return false;
      at.errors.push({ code: 'USERS.IMPORT_VALUE_INVALID', column: columnKey, params: { column, value, type: 'TRUE/FALSE' } });
      return undefined;
    }
    case 'select': {
      const terms = value
        .split(TERM_SEPARATORS)
        .map((part) => part.trim())
        .filter((part) => part !== '');
      if (terms.length !== 1) {
        at.errors.push({ code: 'USERS.IMPORT_SEVERAL_TERMS', column: columnKey, params: { column, value } });
        return undefined;
      }
      const term = terms[0];
      const known = field.options?.find((option) => option.toLowerCase() === term.toLowerCase());
      if (known) return known;
      if (!at.fillTerms) {
        at.errors.push({ code: 'USERS.IMPORT_TERM_UNKNOWN', column: columnKey, params: { column, value: term, options: (field.options ?? []).join(', ') || '-' } });
        return undefined;
      }
      at.warnings.push({ code: 'USERS.IMPORT_TERM_ADDED', column: columnKey, params: { column, value: term } });
      at.newTerms.push({ field: field.key, term });
      return term;
    }
    case 'date':
      // Never among the importable fields (the mapping refuses it); refused here too should one slip through.
      at.errors.push({ code: 'USERS.IMPORT_FIELD_TYPE_NOT_IMPORTABLE', column: columnKey, params: { header: column, field: field.label, type: field.type } });
      return undefined;
  }
}
