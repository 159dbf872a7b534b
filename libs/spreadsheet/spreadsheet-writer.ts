import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import { neutraliseFormula, xmlSafeText } from './cell-text.js';

export interface SheetColumn {
  header: string;
  width?: number;
  /** Pink header fill: the column must be filled in. */
  mandatory?: boolean;
  /** A note on the header cell (formats, rules). */
  note?: string;
  /** TRUE/FALSE drop-down for this column's data cells. */
  booleanValidation?: boolean;
}

const MANDATORY_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF8C8DC' } };
const OPTIONAL_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8E8E8' } };
const ERROR_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFE0E0' } };

/** A text cell of an XLSX sheet: what XML cannot hold dropped, a formula start neutralised. */
function sheetText(value: string): string {
  return neutraliseFormula(xmlSafeText(value));
}

/**
 * Writes an XLSX to a stream row by row (exceljs streaming writer): memory stays flat however many rows.
 * Every text cell is neutralised against formula injection.
 */
export class XlsxStreamWriter {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;

  constructor(
    output: Writable,
    columns: SheetColumn[],
    options: { sheetName?: string; validationRows?: number; errorColumn?: number } = {},
  ) {
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
    this.sheet = this.workbook.addWorksheet(options.sheetName ?? 'Sheet1', { views: [{ state: 'frozen', ySplit: 1 }] });
    // Headers too: an error or results file repeats the uploaded file's header row, a template a group's attribute labels.
    this.sheet.columns = columns.map((column) => ({ header: sheetText(column.header), width: column.width ?? Math.max(14, column.header.length + 4) }));
    const header = this.sheet.getRow(1);
    columns.forEach((column, index) => {
      const cell = header.getCell(index + 1);
      cell.font = { bold: true };
      cell.fill = index === options.errorColumn ? ERROR_FILL : column.mandatory ? MANDATORY_FILL : OPTIONAL_FILL;
      if (column.note) cell.note = column.note;
    });
    header.commit();
    const validationRows = options.validationRows ?? 0;
    columns.forEach((column, index) => {
      if (!column.booleanValidation || validationRows === 0) return;
      const letter = this.sheet.getColumn(index + 1).letter;
      (this.sheet as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(
        `${letter}2:${letter}${validationRows + 1}`,
        { type: 'list', allowBlank: true, formulae: ['"TRUE,FALSE"'], showErrorMessage: true, errorTitle: column.header, error: 'TRUE or FALSE' },
      );
    });
  }

  addRow(values: (string | number | boolean | Date | null | undefined)[]): void {
    const row = this.sheet.addRow(values.map((value) => (typeof value === 'string' ? sheetText(value) : (value ?? null))));
    row.commit();
  }

  async finish(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
  }
}

/** CSV with a UTF-8 BOM (so Excel opens accents correctly), CRLF rows, and neutralised text. */
export class CsvStreamWriter {
  constructor(
    private readonly output: Writable,
    private readonly delimiter = ',',
  ) {}

  start(header: string[]): void {
    this.output.write('\uFEFF');
    this.addRow(header);
  }

  addRow(values: (string | number | boolean | null | undefined)[]): boolean {
    return this.output.write(values.map((value) => this.escape(value)).join(this.delimiter) + '\r\n');
  }

  finish(): Promise<void> {
    return new Promise((resolve) => this.output.end(resolve));
  }

  private escape(value: string | number | boolean | null | undefined): string {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'string' ? neutraliseFormula(value) : String(value);
    return needsQuotes(text, this.delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}

/**
 * Any character that some reader takes as a separator or a line end is quoted, whatever the chosen
 * delimiter: a comma file opened by a Dutch Excel (which splits on semicolons), or pasted as tab
 * separated text, must not split a cell so that a later part (`x;=cmd|...`) becomes a new, live cell.
 */
const SEPARATOR_OR_QUOTE = /[",;\t\r\n]/;

function needsQuotes(text: string, delimiter: string): boolean {
  return SEPARATOR_OR_QUOTE.test(text) || text.includes(delimiter);
}
