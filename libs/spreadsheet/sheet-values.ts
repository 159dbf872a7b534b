export type CellValue = string | number | boolean | Date | null;

export interface SheetRow {
  /** 1-based row number as a spreadsheet program shows it (the header is row 1). */
  rowNumber: number;
  cells: CellValue[];
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
