import type { ImportColumn, ImportMessage, RawImportRow } from '#libs/contracts/imports/index.js';
import { cellText } from '#libs/spreadsheet/cell-text.js';
import type { CellValue } from '#libs/spreadsheet/spreadsheet-reader.js';

export interface NormalisedRow {
  row: RawImportRow;
  /** Problems found before the row reaches its import type (a value too long, a non-boolean flag). */
  errors: ImportMessage[];
  /** Identity of the row's content, to spot the same row twice in one file. */
  fingerprint: string;
}

const MAX_CELL_LENGTH = 1000;
const BOOLEAN_TEXT = new Set(['true', 'false', 'waar', 'onwaar', 'ja', 'nee', 'yes', 'no', '1', '0']);

/** Cell values to column values; every column is present (empty string when the cell is empty). */
export function normaliseRow(rowNumber: number, cells: CellValue[], columns: ImportColumn[], indexByKey: Map<string, number>): NormalisedRow {
  const values: Record<string, string> = {};
  const errors: ImportMessage[] = [];
  for (const column of columns) {
    const index = indexByKey.get(column.key);
    const cell = index === undefined ? null : cells[index];
    let text = typeof cell === 'boolean' ? (cell ? 'TRUE' : 'FALSE') : cellText(cell);
    const limit = column.maxLength ?? MAX_CELL_LENGTH;
    if (text.length > limit) {
      errors.push({ code: 'IMPORTS.VALUE_TOO_LONG', column: column.key, params: { column: column.header, max: limit, length: text.length } });
      text = text.slice(0, limit);
    }
    if (column.kind === 'boolean' && text !== '' && !BOOLEAN_TEXT.has(text.toLowerCase())) {
      errors.push({ code: 'IMPORTS.NOT_A_BOOLEAN', column: column.key, params: { column: column.header, value: text } });
    }
    values[column.key] = text;
  }
  const fingerprint = columns.map((c) => values[c.key].toLowerCase()).join('\u0000');
  return { row: { rowNumber, values }, errors, fingerprint };
}

export function isTrue(text: string): boolean {
  return ['true', 'waar', 'ja', 'yes', '1'].includes(text.trim().toLowerCase());
}

/** Longest cell kept in the row log and the error file (Excel's own limit for a cell). */
export const MAX_LOGGED_CELL_LENGTH = 32_767;

/**
 * Original cells as text for the error file and the row log (in header order), each cut at Excel's cell
 * limit so the log stays bounded. A cell cut off in a column the import does not use fails its row
 * (a used column reports IMPORTS.VALUE_TOO_LONG already), so nothing is lost without a word.
 */
export function cellsForLog(cells: CellValue[], header: string[], mappedIndexes: ReadonlySet<number>): { cells: string[]; errors: ImportMessage[] } {
  const errors: ImportMessage[] = [];
  const logged = Array.from({ length: header.length }, (_, index) => {
    const cell = cells[index];
    if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
    const text = cellText(cell);
    if (text.length <= MAX_LOGGED_CELL_LENGTH) return text;
    if (!mappedIndexes.has(index)) {
      errors.push({ code: 'IMPORTS.CELL_TOO_LONG', params: { column: header[index] || columnLetters(index), length: text.length, max: MAX_LOGGED_CELL_LENGTH } });
    }
    return text.slice(0, MAX_LOGGED_CELL_LENGTH);
  });
  return { cells: logged, errors };
}

/** A, B, ..., Z, AA, ... for a 0-based column index. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
