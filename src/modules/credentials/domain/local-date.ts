import { invalid } from '#libs/errors/domain-error.js';

/** A calendar date without time or zone, as `YYYY-MM-DD`. */
export type LocalDate = string;

const FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `text` is a real calendar date in YYYY-MM-DD (2023-02-29 is not), year 1900 or later. */
export function isLocalDate(text: string): boolean {
  const match = FORMAT.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1900 && year <= 9999 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function parseLocalDate(text: unknown, field: string): LocalDate {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!isLocalDate(trimmed)) throw invalid('CREDENTIALS.DATE_INVALID', { field, value: String(text ?? '') });
  return trimmed;
}

/** Today in UTC as YYYY-MM-DD. */
export function todayUtc(now = new Date()): LocalDate {
  return now.toISOString().slice(0, 10);
}
