import { readSpreadsheet, SpreadsheetUnreadable, type CellValue, type MergedRange, type RowFacts, type SheetLimits, type SheetRow } from './spreadsheet-reader.js';
import { readTabText } from './txt-reader.js';
import { readXmlRecords, type XmlRecordSpec } from './xml-reader.js';

export type { XmlRecordSpec } from './xml-reader.js';
export type { MergedRange, RowFacts } from './spreadsheet-reader.js';

/** One row of a table file; every reader yields the header row first. */
export interface TableRow {
  /** Sheets: the row number as a spreadsheet program shows it (header = 1). XML: 0 for the header, then the record index. */
  rowNumber: number;
  /** XML only: the 1-based line where the record starts. */
  line?: number;
  cells: CellValue[];
  /** XLSX only: what the sheet says about the row besides its values (hidden, formulas without a result). */
  facts?: RowFacts;
}

export interface TableReadOptions {
  limits: SheetLimits;
  /** Required by the xml reader: which elements are the rows and the columns. */
  xml?: XmlRecordSpec;
  /** Most data rows (the header does not count); one more refuses the file with SPREADSHEET.TOO_MANY_ROWS. */
  maxRows?: number;
  /**
   * XLSX only: called with the sheet's merged ranges once its last row was read (a sheet lists them after
   * its rows); not called when the reading stops early. Without it the reader stops at the last row.
   */
  onMergedRanges?: (ranges: MergedRange[]) => void;
}

export interface TableReader {
  kind: string;
  /** File name extensions, lower case, without the dot. */
  extensions: string[];
  description: string;
  read(path: string, options: TableReadOptions): AsyncGenerator<TableRow>;
}

/** The table readers known by kind and by file name extension. */
export class TableReaders {
  private readonly byKind = new Map<string, TableReader>();

  register(reader: TableReader): void {
    if (this.byKind.has(reader.kind)) throw new Error(`A table reader of kind "${reader.kind}" is already registered`);
    for (const extension of reader.extensions) {
      const owner = this.kindOfExtension(extension);
      if (owner !== undefined) throw new Error(`The extension ".${extension}" is already read by "${owner}"`);
    }
    this.byKind.set(reader.kind, { ...reader, extensions: reader.extensions.map((extension) => extension.toLowerCase().replace(/^\./, '')) });
  }

  get(kind: string): TableReader {
    const reader = this.byKind.get(kind);
    if (!reader) throw new Error(`There is no table reader of kind "${kind}" (known: ${this.kinds().join(', ')})`);
    return reader;
  }

  /** The kind that reads a file of this name, by its extension (case-insensitive); undefined when none does. */
  kindOfFileName(name: string): string | undefined {
    const base = name.split(/[/\\]/).pop() ?? '';
    const dot = base.lastIndexOf('.');
    if (dot <= 0 || dot === base.length - 1) return undefined;
    return this.kindOfExtension(base.slice(dot + 1));
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }

  private kindOfExtension(extension: string): string | undefined {
    const wanted = extension.toLowerCase().replace(/^\./, '');
    for (const reader of this.byKind.values()) if (reader.extensions.includes(wanted)) return reader.kind;
    return undefined;
  }
}

/** Refuses the file once it has more than `maxRows` data rows (the first row, the header, does not count). */
async function* limitedRows(rows: AsyncGenerator<SheetRow | TableRow>, maxRows: number | undefined): AsyncGenerator<TableRow> {
  let seen = -1;
  try {
    for await (const row of rows) {
      seen++;
      if (maxRows !== undefined && seen > maxRows) throw new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_ROWS', { max: maxRows });
      yield row;
    }
  } finally {
    await rows.return(undefined);
  }
}

export const xlsxTableReader: TableReader = {
  kind: 'xlsx',
  extensions: ['xlsx'],
  description: 'Excel workbook (first worksheet); must have been through copyCheckedXlsx first',
  read: (path, options) => limitedRows(readSpreadsheet(path, 'xlsx', options.limits, options.onMergedRanges), options.maxRows),
};

export const csvTableReader: TableReader = {
  kind: 'csv',
  extensions: ['csv'],
  description: 'Comma/semicolon/tab/pipe separated values (delimiter and encoding detected)',
  read: (path, options) => limitedRows(readSpreadsheet(path, 'csv', options.limits), options.maxRows),
};

export const txtTableReader: TableReader = {
  kind: 'txt',
  extensions: ['txt'],
  description: 'Tab-delimited text with a header row (Excel "Text (Tab delimited)")',
  read: (path, options) => limitedRows(readTabText(path, options.limits), options.maxRows),
};

export const xmlTableReader: TableReader = {
  kind: 'xml',
  extensions: ['xml'],
  description: 'XML records: one element per row, its child elements are the columns',
  read: (path, options) => {
    if (!options.xml) throw new Error('The xml table reader needs options.xml (record element and fields)');
    return readXmlRecords(path, options.xml, { limits: options.limits, maxRows: options.maxRows });
  },
};

/** The default registry: xlsx, csv, txt (tab-delimited) and xml. */
export const tableReaders = new TableReaders();
for (const reader of [xlsxTableReader, csvTableReader, txtTableReader, xmlTableReader]) tableReaders.register(reader);
