import { describe, expect, it } from 'vitest';
import { cellsForLog, columnLetters, MAX_LOGGED_CELL_LENGTH } from './row-normaliser.js';

describe('cellsForLog', () => {
  it('gives the cells as text in header order, padded to the header', () => {
    expect(cellsForLog(['L-1', true, null], ['User Code', 'Active', 'Note', 'Extra'], new Set([0, 1]))).toEqual({ cells: ['L-1', 'TRUE', '', ''], errors: [] });
  });

  it("cuts a cell at Excel's limit so the row log stays bounded; an unused column's cut fails the row with a clear error", () => {
    const huge = 'x'.repeat(MAX_LOGGED_CELL_LENGTH + 10);
    const { cells, errors } = cellsForLog(['L-1', huge, huge], ['User Code', 'Number', ''], new Set([0, 1]));
    expect(cells.map((c) => c.length)).toEqual([3, MAX_LOGGED_CELL_LENGTH, MAX_LOGGED_CELL_LENGTH]);
    // The used column (index 1) reports IMPORTS.VALUE_TOO_LONG in normaliseRow already; the unnamed one is named by its letter.
    expect(errors).toEqual([{ code: 'IMPORTS.CELL_TOO_LONG', params: { column: 'C', length: MAX_LOGGED_CELL_LENGTH + 10, max: MAX_LOGGED_CELL_LENGTH } }]);
  });

  it('names columns as a spreadsheet does', () => {
    expect([0, 25, 26, 51, 701, 702, 16_383].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'ZZ', 'AAA', 'XFD']);
  });
});
