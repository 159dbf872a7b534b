// Placeholder until the readers branch lands (it replaces this file).
import { readSpreadsheet, type CellValue, type SheetLimits } from './spreadsheet-reader.js';

export interface TableRow {
  rowNumber: number;
  line?: number;
  cells: CellValue[];
}
export interface XmlRecordSpec {
  recordElement: string;
  fields: string[];
}
export interface TableReadOptions {
  limits: SheetLimits;
  xml?: XmlRecordSpec;
  maxRows?: number;
}
export interface TableReader {
  kind: string;
  extensions: string[];
  description: string;
  read(path: string, options: TableReadOptions): AsyncGenerator<TableRow>;
}
export class TableReaders {
  private readonly readers = new Map<string, TableReader>();
  register(reader: TableReader): void {
    this.readers.set(reader.kind, reader);
  }
  get(kind: string): TableReader {
    const reader = this.readers.get(kind);
    if (!reader) throw new Error(`no reader for ${kind}`);
    return reader;
  }
  kindOfFileName(name: string): string | undefined {
    const extension = name.toLowerCase().split('.').pop();
    return [...this.readers.values()].find((reader) => reader.extensions.includes(`.${extension}`))?.kind;
  }
  kinds(): string[] {
    return [...this.readers.keys()];
  }
}
export const tableReaders = new TableReaders();
tableReaders.register({ kind: 'xlsx', extensions: ['.xlsx'], description: '', read: (path, options) => readSpreadsheet(path, 'xlsx', options.limits) });
tableReaders.register({ kind: 'csv', extensions: ['.csv'], description: '', read: (path, options) => readSpreadsheet(path, 'csv', options.limits) });
