import { invalid } from '#libs/errors/domain-error.js';
import { addMonths } from '#libs/spreadsheet/dates.js';

/** Days ahead in which a licence counts as expiring when the caller does not say. */
export const DEFAULT_EXPIRING_WITHIN_DAYS = 60;
export const MAX_EXPIRING_WITHIN_DAYS = 3650;

export type LicenceStatus = 'active' | 'expiring' | 'expired';
export const LICENCE_STATUSES: LicenceStatus[] = ['active', 'expiring', 'expired'];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The status of a licence on `today` (YYYY-MM-DD), derived from its expiry date only: expired once the
 * expiry date has passed (a licence is valid up to and including its expiry day), expiring when it ends
 * within `withinDays` days from today (today included), otherwise active; a licence without an expiry
 * date is active. The SQL of the list (licenceStatusSql) computes the same.
 */
export function licenceStatus(expiresOn: string | null, today: string, withinDays = DEFAULT_EXPIRING_WITHIN_DAYS): LicenceStatus {
  if (expiresOn === null) return 'active';
  if (expiresOn < today) return 'expired';
  return expiresOn <= addDays(today, withinDays) ? 'expiring' : 'active';
}

export function addDays(isoDate: string, days: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const [year, month, day] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export interface LicenceDates {
  issuedOn: string;
  expiresOn: string | null;
}

/**
 * The dates of a licence: the expiry date given, or else the issue date plus the type's default validity
 * (none: no expiry). Refused when the expiry date is before the issue date.
 */
export function licenceDates(issuedOn: string, expiresOn: string | null, defaultValidityMonths: number | null): LicenceDates {
  const expiry = expiresOn ?? (defaultValidityMonths === null ? null : addMonths(issuedOn, defaultValidityMonths));
  if (expiry !== null && expiry < issuedOn) throw invalid('LICENCES.EXPIRY_BEFORE_ISSUE', { issuedOn, expiresOn: expiry });
  return { issuedOn, expiresOn: expiry };
}

/**
 * Control characters (C0 incl. NUL, tab and line breaks, DEL, C1): never part of a number, state, type
 * name or issuing body. PostgreSQL refuses NUL in text, tabs and line breaks would break the tab-delimited
 * export, and most of them are illegal in XML.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS_ALL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text to echo in a message: control characters shown as U+FFFD (a NUL cannot be stored in a jsonb message). */
export function echo(text: string, max: number): string {
  return text.replace(CONTROL_CHARACTERS_ALL, '\ufffd').slice(0, max);
}

/** Refuses text with control characters, naming the field (`number`, `jurisdiction`, `name`, `issuingBody`). */
export function assertNoControlCharacters(text: string, field: string): void {
  if (CONTROL_CHARACTERS.test(text)) throw invalid('LICENCES.CONTROL_CHARACTERS', { field });
}

/** A licence number as stored: trimmed, NFC, null when empty; at most 100 characters without control characters. */
export function licenceNumber(raw: string | null | undefined): string | null {
  const number = (raw ?? '').normalize('NFC').trim();
  if (number === '') return null;
  if (number.length > 100 || CONTROL_CHARACTERS.test(number)) throw invalid('LICENCES.NUMBER_INVALID', { number: echo(number, 40) });
  return number;
}

/** A state or jurisdiction as stored: trimmed, null when empty, at most 100 characters without control characters. */
export function jurisdiction(raw: string | null | undefined): string | null {
  const text = (raw ?? '').normalize('NFC').trim();
  if (text === '') return null;
  if (text.length > 100) throw invalid('LICENCES.JURISDICTION_TOO_LONG', { max: 100 });
  assertNoControlCharacters(text, 'jurisdiction');
  return text;
}

/**
 * The identity of a licence: one per user + type + number, compared case-insensitively, or one per
 * user + type without a number. `numberKey` is PostgreSQL's lower(coalesce(number, '')), the expression
 * of the unique index user_licences_user_type_number_unique: JavaScript's toLowerCase differs from it
 * (a Greek final sigma, a Turkish dotted capital I), so the key is never lower-cased here.
 */
export function licenceKey(userId: string, typeId: string, numberKey: string): string {
  return `${userId}|${typeId}|${numberKey}`;
}

/** A number is required by the type and missing. */
export function assertNumberGiven(numberRequired: boolean, number: string | null, typeCode: string): void {
  if (numberRequired && number === null) throw invalid('LICENCES.NUMBER_REQUIRED', { type: typeCode });
}
