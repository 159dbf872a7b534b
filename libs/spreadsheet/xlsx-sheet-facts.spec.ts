import ExcelJS from 'exceljs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { DEFAULT_ZIP_LIMITS } from '#libs/zip/safe-zip.js';
import { readSpreadsheet, type MergedRange, type SheetRow } from './spreadsheet-reader.js';
import { xlsxTableReader } from './table-readers.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS } from './xlsx-guard.js';
import { mergedRangeOf } from './xlsx-sheet-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'xlsx-facts-'));
let counter = 0;

async function read(path: string): Promise<{ rows: SheetRow[]; merged: MergedRange[] | undefined }> {
  const rows: SheetRow[] = [];
  let merged: MergedRange[] | undefined;
  for await (const row of readSpreadsheet(path, 'xlsx', undefined, (ranges) => (merged = ranges))) rows.push(row);
  return { rows, merged };
}

async function workbook(parts: Record<string, string>): Promise<string> {
  const path = join(dir, `book-${counter++}.xlsx`);
  const zip = new yazl.ZipFile();
  for (const [name, xml] of Object.entries(parts)) zip.addBuffer(Buffer.from(xml), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

/** As Excel users make them: dates as date cells and as text, formulas with and without a saved result, a hidden row, merged cells. */
async function excelBook(): Promise<string> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Data');
  sheet.addRow(['Code', 'Name', 'Obtained', 'Text date', 'Total']);
  sheet.addRow(['C-1', 'Anna', new Date(Date.UTC(2024, 2, 1)), '01-03-2024', { formula: '3+4', result: 7 }]);
  sheet.addRow(['C-2', 'Bob', new Date(Date.UTC(2024, 11, 31)), '31/12/2024', { formula: '1+1' }]);
  sheet.getRow(3).hidden = true;
  sheet.addRow(['C-3', 'Carla', new Date(Date.UTC(2025, 0, 2)), '2025-01-02', 5]);
  sheet.addRow(['C-4', null, null, '2025-01-03', 6]);
  sheet.mergeCells('B4:C5');
  const path = join(dir, `excel-${counter++}.xlsx`);
  await book.xlsx.writeFile(path);
  return path;
}

describe('XLSX row facts', () => {
  it('reports hidden rows, formulas without a saved result and merged ranges, beside date cells, text dates and formula results', async () => {
    const path = await excelBook();
    for (const source of [path, join(dir, `checked-${counter++}.xlsx`)]) {
      if (source !== path) await copyCheckedXlsx(path, source, { ...DEFAULT_XLSX_LIMITS, zip: DEFAULT_ZIP_LIMITS });
      const { rows, merged } = await read(source);
      expect(rows.map((row) => row.rowNumber)).toEqual([1, 2, 3, 4, 5]);
      expect(rows[1].cells).toEqual(['C-1', 'Anna', new Date(Date.UTC(2024, 2, 1)), '01-03-2024', 7]);
      expect(rows[1].facts).toBeUndefined();
      // The formula without a result reads empty (a hole), and says so.
      expect(rows[2].cells.slice(0, 4)).toEqual(['C-2', 'Bob', new Date(Date.UTC(2024, 11, 31)), '31/12/2024']);
      expect(rows[2].cells[4] ?? null).toBeNull();
      expect(rows[2].facts).toEqual({ hidden: true, formulaWithoutValue: [4] });
      // B4:C5 is merged: only B4 keeps a value; C4 (a date before the merge) reads empty, as Excel shows it.
      expect(rows[3].cells).toEqual(['C-3', 'Carla', undefined, '2025-01-02', 5]);
      expect(rows[3].facts).toBeUndefined();
      expect(rows[4].cells[1] ?? null).toBeNull();
      expect(merged).toEqual([{ firstRow: 4, lastRow: 5, firstColumn: 1, lastColumn: 2 }]);
    }
  });

  it('hands over the merged ranges only when the sheet was read to its end, through the table reader too', async () => {
    const path = await excelBook();
    let merged: MergedRange[] | undefined;
    for await (const row of xlsxTableReader.read(path, { limits: { maxColumns: 50, maxRowBytes: 1024 ** 2 }, maxRows: 10, onMergedRanges: (ranges) => (merged = ranges) })) {
      if (row.rowNumber === 2) break;
    }
    expect(merged).toBeUndefined();
    for await (const _row of xlsxTableReader.read(path, { limits: { maxColumns: 50, maxRowBytes: 1024 ** 2 }, onMergedRanges: (ranges) => (merged = ranges) })) void _row;
    expect(merged).toHaveLength(1);
  });

  it('reads hand-written facts: hidden="true", a shared formula without a value, merges before other elements, and rows without facts', async () => {
    const path = await workbook({
      'xl/worksheets/sheet1.xml':
        '<worksheet><sheetData>' +
        '<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c><c r="B1" t="inlineStr"><is><t>B</t></is></c></row>' +
        '<row r="2" hidden="true"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B3" si="0">A2*2</f><v>2</v></c></row>' +
        '<row r="3" hidden="0"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/></c><c r="C3" t="str"><f>""</f><v></v></c></row>' +
        '</sheetData><mergeCells count="2"><mergeCell ref="C3:B2"/><mergeCell ref="$A$4:$B$4"/></mergeCells>' +
        '<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"><formula>1</formula></cfRule></conditionalFormatting></worksheet>',
    });
    const { rows, merged } = await read(path);
    // C3's formula saved an empty text result: a value (the empty one), so no fact.
    expect(rows.map((row) => row.facts)).toEqual([undefined, { hidden: true }, { formulaWithoutValue: [1] }]);
    expect(merged).toEqual([
      { firstRow: 2, lastRow: 3, firstColumn: 1, lastColumn: 2 },
      { firstRow: 4, lastRow: 4, firstColumn: 0, lastColumn: 1 },
    ]);
  });

  it('parses merge references and leaves out what is not a range', () => {
    expect(mergedRangeOf('AA10:AB12')).toEqual({ firstRow: 10, lastRow: 12, firstColumn: 26, lastColumn: 27 });
    expect(mergedRangeOf('A1')).toBeUndefined();
    expect(mergedRangeOf('A0:B2')).toBeUndefined();
    expect(mergedRangeOf('XFE1:XFE2')).toBeUndefined();
    expect(mergedRangeOf('A1:B1048577')).toBeUndefined();
  });

  it('refuses an old Excel 97-2003 file (an OLE2 compound file) as such, by its bytes', async () => {
    const path = join(dir, `legacy-${counter++}.xlsx`);
    writeFileSync(path, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
    await expect(read(path)).rejects.toMatchObject({ code: 'SPREADSHEET.LEGACY_XLS' });
    await expect(copyCheckedXlsx(path, join(dir, `legacy-copy-${counter++}.xlsx`), { ...DEFAULT_XLSX_LIMITS, zip: DEFAULT_ZIP_LIMITS })).rejects.toMatchObject({
      code: 'SPREADSHEET.LEGACY_XLS',
    });
  });
});
