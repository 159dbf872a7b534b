import type { CellValue } from './spreadsheet-reader.js';

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Makes a value safe to put in a spreadsheet a person will open: text that a spreadsheet program would
 * run as a formula (= + - @, tab, CR) gets a leading apostrophe (OWASP "CSV injection").
 */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes `neutraliseFormula` when an error file comes back fixed: `'=x` reads as `=x`. */
export function restoreNeutralised(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/**
 * A cell as trimmed NFC text (empty string for empty cells); dates as YYYY-MM-DD. NUL characters are
 * dropped: PostgreSQL stores them neither in text nor in jsonb, so one would make the row unrecordable.
 */
export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return isoDate(value);
  const text = String(value);
  // ASCII without NUL is NFC already: most cells skip normalize(), a tenth of this function's cost.
  return restoreNeutralised((PLAIN_ASCII.test(text) ? text : text.replaceAll('\u0000', '').normalize('NFC')).trim());
}

// eslint-disable-next-line no-control-regex -- the range starts after NUL on purpose
const PLAIN_ASCII = /^[\u0001-\u007f]*$/;

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
