import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvWithWideHeader, sheetXml, workbookParts, zipOfParts } from '../../test/support/hostile-files.js';
import { DEFAULT_ZIP_LIMITS } from '#libs/zip/safe-zip.js';
import { boundedCells, DEFAULT_SHEET_LIMITS, readSpreadsheet, SpreadsheetUnreadable, type SheetLimits, type SheetRow } from './spreadsheet-reader.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS } from './xlsx-guard.js';

const dir = mkdtempSync(join(tmpdir(), 'sheet-limits-'));
let counter = 0;

async function read(content: Buffer, kind: 'csv' | 'xlsx', limits: SheetLimits = DEFAULT_SHEET_LIMITS): Promise<SheetRow[] | SpreadsheetUnreadable> {
  let path = join(dir, `f${counter++}.${kind}`);
  writeFileSync(path, content);
  if (kind === 'xlsx') {
    const checked = `${path}.checked`;
    await copyCheckedXlsx(path, checked, { ...DEFAULT_XLSX_LIMITS, zip: DEFAULT_ZIP_LIMITS });
    path = checked;
  }
  const rows: SheetRow[] = [];
  try {
    for await (const row of readSpreadsheet(path, kind, limits)) rows.push(row);
    return rows;
  } catch (error) {
    if (error instanceof SpreadsheetUnreadable) return error;
    throw error;
  }
}

describe('rows are bounded in columns and size', () => {
  it('drops trailing empty cells: a header followed by 300,000 commas has only its named columns', async () => {
    const rows = await read(csvWithWideHeader(['User Code', 'Name'], [['L-1', 'Lena'], ['L-2', 'Jan,,,,']], 300_000), 'csv');
    expect(rows).not.toBeInstanceOf(SpreadsheetUnreadable);
    expect((rows as SheetRow[]).map((r) => r.cells)).toEqual([['User Code', 'Name'], ['L-1', 'Lena'], ['L-2', 'Jan']]);
  });

  it('refuses a CSV row with more columns than allowed, saying which row, how many and the limit', async () => {
    const refused = await read(csvWithWideHeader(['User Code', 'Name'], [['L-1', 'Lena']], 300_000, 'Last'), 'csv');
    expect(refused).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_COLUMNS', params: { row: 1, columns: 300_002, max: 256 } });
    const second = await read(Buffer.from(`A,B\r\n1,2\r\n${'x,'.repeat(300)}x\r\n`), 'csv');
    expect(second).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_COLUMNS', params: { row: 3, columns: 301, max: 256 } });
    expect(await read(Buffer.from(`A,B\r\n${'x,'.repeat(300)}x\r\n`), 'csv', { ...DEFAULT_SHEET_LIMITS, maxColumns: 400 })).toHaveLength(2);
  });

  it('refuses an XLSX row with a cell at column XFD; an empty trailing cell there is ignored', async () => {
    const far = sheetXml([['User Code', 'Name'], [['A2', 'L-1'], ['XFD2', 'far away']]]);
    expect(await read(await zipOfParts(workbookParts(far)), 'xlsx')).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_COLUMNS', params: { row: 2, columns: 16_384, max: 256 } });
    const blank = sheetXml([['User Code', 'Name'], [['A2', 'L-1'], ['XFD2', '  ']]]);
    const blankRows = await read(await zipOfParts(workbookParts(blank)), 'xlsx');
    expect(blankRows).not.toBeInstanceOf(SpreadsheetUnreadable);
    expect((blankRows as SheetRow[]).map((r) => r.cells)).toEqual([['User Code', 'Name'], ['L-1']]);
  });

  it('refuses a row whose cells together are larger than the limit', () => {
    expect(() => boundedCells(4, ['a'.repeat(600), 'b'.repeat(600)], { maxColumns: 10, maxRowBytes: 1000 })).toThrow(
      expect.objectContaining({ code: 'SPREADSHEET.ROW_TOO_LARGE', params: { row: 4, maxKilobytes: 0 } }),
    );
    expect(boundedCells(4, ['a'.repeat(600), null, ''], { maxColumns: 1, maxRowBytes: 1000 })).toEqual(['a'.repeat(600)]);
  });
});
