import type { CellValue } from './spreadsheet-reader.js';

/** = + - @, tab, CR, and the full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) that East Asian spreadsheets read as operators. */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * Makes a value safe to put in a spreadsheet a person will open: text that a spreadsheet program would
 * run as a formula (= + - @, tab, CR, also full-width) gets a leading apostrophe (OWASP "CSV injection").
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

/** Characters XML 1.0 does not allow at all (not even as references): C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF. */
const XML_ILLEGAL = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const XML_ILLEGAL_ALL = new RegExp(XML_ILLEGAL.source, 'gu');

/**
 * Text an XML document (an XLSX sheet, the licences XML) can hold: the characters XML forbids are dropped. An
 * uploaded cell may carry one (U+FFFF from a broken export, a lone surrogate), and one in a sheet makes Excel
 * refuse or "repair" the whole file.
 */
export function xmlSafeText(text: string): string {
  return XML_ILLEGAL.test(text) ? text.replace(XML_ILLEGAL_ALL, '') : text;
}
