export type CellValue = string | number | boolean | Date | null;

export interface SheetRow {
  /** 1-based row number as a spreadsheet program shows it (the header is row 1). */
  rowNumber: number;
  cells: CellValue[];
  /** What an XLSX says about the row besides its values; absent when there is nothing to say. */
  facts?: RowFacts;
}

/** Facts of an XLSX row that are not values. */
export interface RowFacts {
  /** The row is hidden (`<row hidden="1">`). */
  hidden?: boolean;
  /** 0-based indexes of the cells that hold a formula without a cached result (the file was never recalculated and saved). */
  formulaWithoutValue?: number[];
}

/**
 * A range of merged cells: only its first (top left) cell holds a value, the others read empty. Rows as
 * the sheet numbers them, columns 0-based, both inclusive. An XLSX lists them after all its rows.
 */
export interface MergedRange {
  firstRow: number;
  lastRow: number;
  firstColumn: number;
  lastColumn: number;
}

/** A file that cannot be read as the spreadsheet it claims to be. */
export class SpreadsheetUnreadable extends Error {
  constructor(
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`);
    this.name = 'SpreadsheetUnreadable';
  }
}
