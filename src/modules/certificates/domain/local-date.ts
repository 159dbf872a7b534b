import { invalid } from '#libs/errors/domain-error.js';

/** A calendar date without time or zone, as `YYYY-MM-DD` (what a certificate shows). */
export type LocalDate = string;

const FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks that `text` is a real calendar date in YYYY-MM-DD (2023-02-29 is not). */
export function parseLocalDate(text: string, field: string): LocalDate {
  const trimmed = text.trim();
  const match = FORMAT.exec(trimmed);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) {
      return trimmed;
    }
  }
  throw invalid('CERTIFICATES.DATE_INVALID', { field, value: text });
}

/**
 * Adds whole months; a day that does not exist in the target month becomes that month's last day
 * (2024-01-31 + 1 month = 2024-02-29), as PostgreSQL's `date + interval` does.
 */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const [year, month, day] = date.split('-').map(Number);
  const monthIndex = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return `${String(targetYear).padStart(4, '0')}-${String(targetMonth + 1).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
}

/**
 * The latest date it is anywhere on earth right now (UTC+14). "Not in the future" is checked against
 * it, so that nobody is refused a certificate obtained today because the server runs on UTC.
 */
export function latestDateOnEarth(now = new Date()): LocalDate {
  return new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
}
