import type { CellValue } from './spreadsheet-reader.js';

export type ParsedDate = { ok: true; date: string } | { ok: false } | { ok: true; date: null };

const DAY_FIRST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;

/**
 * Reads a date the way admins write them: an Excel date cell, dd-mm-yyyy or d-m-yyyy (also with / or .),
 * or ISO yyyy-mm-dd; an Excel serial number typed as a plain number. Returns YYYY-MM-DD, `null` for an
 * empty cell, or not-ok for anything else (including impossible dates like 31-02-2026).
 */
export function parseDateCell(value: CellValue | undefined): ParsedDate {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return { ok: true, date: null };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? { ok: false } : { ok: true, date: value.toISOString().slice(0, 10) };
  if (typeof value === 'number') return fromExcelSerial(value);
  if (typeof value === 'boolean') return { ok: false };
  const text = value.trim();
  const dayFirst = DAY_FIRST.exec(text);
  if (dayFirst) return fromParts(Number(dayFirst[3]), Number(dayFirst[2]), Number(dayFirst[1]));
  const iso = ISO.exec(text);
  if (iso) return fromParts(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  if (/^\d{5}(\.\d+)?$/.test(text)) return fromExcelSerial(Number(text));
  return { ok: false };
}

function fromParts(year: number, month: number, day: number): ParsedDate {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false };
  return { ok: true, date: isoOf(year, month, day) };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar (as Date.UTC counts them). */
function daysInMonth(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * YYYY-MM-DD of a valid date with a four-digit year, written out directly: a Date and its toISOString cost
 * more than the rest of a licence row's rules together (an import reads two dates a row).
 */
function isoOf(year: number, month: number, day: number): string {
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Excel's 1900 date system: serial 1 is 1900-01-01 and 60 is the fictitious 1900-02-29. */
function fromExcelSerial(serial: number): ParsedDate {
  if (!Number.isFinite(serial) || serial < 61 || serial > 402_133) return { ok: false };
  const date = new Date(Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000);
  return { ok: true, date: date.toISOString().slice(0, 10) };
}

export function addMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  const total = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(total / 12);
  // The common case without a Date (same result); anything unusual (a year without four digits, a day or
  // month out of range, not a number) goes through Date as it always did, quirks included.
  if (Number.isInteger(total) && Number.isInteger(day) && day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1000 && targetYear >= 1000 && targetYear <= 9999) {
    const targetMonth = total - targetYear * 12 + 1;
    return isoOf(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
  }
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}
