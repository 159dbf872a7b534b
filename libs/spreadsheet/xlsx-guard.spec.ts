import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  sharedStringsXml,
  sheetXml,
  strayTextWorkbook,
  understateSize,
  withLocalOnlyParts,
  withoutCentralDirectory,
  workbookParts,
  zipOfParts,
} from '../../test/support/hostile-files.js';
import { DEFAULT_ZIP_LIMITS } from '#libs/zip/safe-zip.js';
import { readSpreadsheet, SpreadsheetUnreadable, type SheetRow } from './spreadsheet-reader.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS, type XlsxLimits } from './xlsx-guard.js';

const dir = mkdtempSync(join(tmpdir(), 'xlsx-guard-'));
let counter = 0;
const LIMITS: XlsxLimits = { ...DEFAULT_XLSX_LIMITS, zip: DEFAULT_ZIP_LIMITS };

async function rowsOf(path: string): Promise<string[][]> {
  const rows: SheetRow[] = [];
  for await (const row of readSpreadsheet(path, 'xlsx')) rows.push(row);
  return rows.map((row) => row.cells.map(String));
}

/** Checks `bytes` as an uploaded workbook; returns the checked copy's path or the refusal. */
async function check(bytes: Buffer, limits: Partial<XlsxLimits> = {}): Promise<{ copy: string } | { refused: SpreadsheetUnreadable | Error; copyLeft: boolean }> {
  const source = join(dir, `in-${counter}.xlsx`);
  const copy = join(dir, `out-${counter++}.xlsx`);
  writeFileSync(source, bytes);
  try {
    await copyCheckedXlsx(source, copy, { ...LIMITS, ...limits });
    return { copy };
  } catch (error) {
    return { refused: error as Error, copyLeft: existsSync(copy) };
  }
}

async function refusal(bytes: Buffer, limits: Partial<XlsxLimits> = {}) {
  const result = await check(bytes, limits);
  if ('copy' in result) throw new Error('expected the workbook to be refused');
  expect(result.copyLeft).toBe(false);
  return result.refused as SpreadsheetUnreadable;
}

const bombSheet = (megabytes: number) =>
  Buffer.concat([Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'), Buffer.alloc(megabytes * 1024 ** 2, 'A'), Buffer.from('</t></is></c></row></sheetData></worksheet>')]);

describe('copyCheckedXlsx', () => {
  it('copies the parts exceljs reads into a stored ZIP that reads as the original, shared strings before the sheets', async () => {
    const strings = sharedStringsXml(2, (i) => ['User Code', 'L-1001'][i]);
    const sheet = Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><t>Lena</t></is></c></row></sheetData></worksheet>');
    const parts = workbookParts(sheet, [{ name: 'xl/media/image1.png', content: Buffer.alloc(1000, 1) }]);
    // Shared strings last in the upload: exceljs would have to park the sheet in a temporary file.
    const result = await check(await zipOfParts([...parts, { name: 'xl/sharedStrings.xml', content: strings }]));
    if (!('copy' in result)) throw result.refused;
    expect(await rowsOf(result.copy)).toEqual([['User Code', 'Name'], ['L-1001', 'Lena']]);
    // Walk the local headers as exceljs's unzipper does: each one says where its data ends.
    const bytes = readFileSync(result.copy);
    const entries: { path: string; size: number; method: number; flags: number }[] = [];
    for (let at = 0; bytes.readUInt32LE(at) === 0x04034b50; ) {
      const nameLength = bytes.readUInt16LE(at + 26);
      const size = bytes.readUInt32LE(at + 18);
      entries.push({ path: bytes.toString('utf8', at + 30, at + 30 + nameLength), size, method: bytes.readUInt16LE(at + 8), flags: bytes.readUInt16LE(at + 6) });
      at += 30 + nameLength + bytes.readUInt16LE(at + 28) + size;
    }
    expect(entries.map((e) => e.path)).toEqual(['_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/sharedStrings.xml', 'xl/worksheets/sheet1.xml']);
    expect(entries.every((e) => e.method === 0 && (e.flags & 0x08) === 0 && e.size > 0)).toBe(true);
  });

  it('adds empty shared strings before the sheets of a workbook without them, so exceljs streams the sheet instead of copying it to a temporary file', async () => {
    const result = await check(await zipOfParts(workbookParts(sheetXml([['User Code'], ['L-1001']]))));
    if (!('copy' in result)) throw result.refused;
    const names: string[] = [];
    const bytes = readFileSync(result.copy);
    for (let at = 0; bytes.readUInt32LE(at) === 0x04034b50; at += 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28) + bytes.readUInt32LE(at + 18)) {
      names.push(bytes.toString('utf8', at + 30, at + 30 + bytes.readUInt16LE(at + 26)));
    }
    expect(names.slice(-2)).toEqual(['xl/sharedStrings.xml', 'xl/worksheets/sheet1.xml']);
    expect(await rowsOf(result.copy)).toEqual([['User Code'], ['L-1001']]);
  });

  it('refuses a part that unpacks to more than it declared, as a damaged workbook naming the part', async () => {
    const bytes = understateSize(await zipOfParts(workbookParts(bombSheet(20))), 'xl/worksheets/sheet1.xml', 1000);
    const refused = await refusal(bytes);
    expect(refused).toBeInstanceOf(SpreadsheetUnreadable);
    expect(refused.code).toBe('SPREADSHEET.CORRUPT');
    expect(String(refused.params.reason)).toContain('xl/worksheets/sheet1.xml');
  });

  it('refuses a workbook without a central directory (parts only in local headers)', async () => {
    const refused = await refusal(withoutCentralDirectory(await zipOfParts(workbookParts(sheetXml([['User Code'], ['L-1001']])))));
    expect(refused.code).toBe('SPREADSHEET.CORRUPT');
  });

  it('never hands exceljs a part that only sits in local headers', async () => {
    const hidden = await zipOfParts(workbookParts(sheetXml([['Hidden'], ['smuggled']])));
    const visible = await zipOfParts(workbookParts(sheetXml([['Visible'], ['checked']])));
    const result = await check(withLocalOnlyParts(visible, hidden));
    if (!('copy' in result)) throw result.refused;
    expect(await rowsOf(result.copy)).toEqual([['Visible'], ['checked']]);
  });

  it('refuses too many shared strings, and shared strings over their byte limit', async () => {
    const many = await zipOfParts(workbookParts(sheetXml([['a']]), [{ name: 'xl/sharedStrings.xml', content: sharedStringsXml(1001) }]));
    expect(await refusal(many, { maxSharedStrings: 1000 })).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_SHARED_STRINGS', params: { max: 1000 } });
    expect(await refusal(many, { maxSharedStringsBytes: 4096 })).toMatchObject({ code: 'SPREADSHEET.PART_TOO_LARGE', params: { part: 'xl/sharedStrings.xml' } });
  });

  it('refuses other parts exceljs reads whole over their limit', async () => {
    const parts = workbookParts(sheetXml([['a']]), [{ name: 'xl/styles.xml', content: Buffer.from(`<styleSheet>${'<xf/>'.repeat(10_000)}</styleSheet>`) }]);
    expect(await refusal(await zipOfParts(parts), { maxPartBytes: 20_000 })).toMatchObject({ code: 'SPREADSHEET.PART_TOO_LARGE', params: { part: 'xl/styles.xml' } });
    // Small but made of tiny elements: each one an object once exceljs reads the styles.
    expect(await refusal(await zipOfParts(parts), { maxPartElements: 5000 })).toMatchObject({ code: 'SPREADSHEET.PART_TOO_COMPLEX', params: { part: 'xl/styles.xml', max: 5000 } });
    expect('copy' in (await check(await zipOfParts(parts)))).toBe(true);
  });

  it('refuses a sheet with a giant value or a giant row before exceljs builds it', async () => {
    // Random text: no compression ratio gives it away.
    const giant = Buffer.from(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${randomBytes(1536 * 1024).toString('base64')}</t></is></c></row></sheetData></worksheet>`);
    expect(await refusal(await zipOfParts(workbookParts(giant)))).toMatchObject({ code: 'SPREADSHEET.VALUE_TOO_LARGE', params: { part: 'xl/worksheets/sheet1.xml', maxKilobytes: 1024 } });
    const cols = Buffer.from(`<worksheet><cols>${Array.from({ length: 16_385 }, (_, i) => `<col min="${i + 1}" max="${i + 1}" width="9"/>`).join('')}</cols><sheetData/></worksheet>`);
    expect(await refusal(await zipOfParts(workbookParts(cols)))).toMatchObject({ code: 'SPREADSHEET.PART_TOO_COMPLEX', params: { part: 'xl/worksheets/sheet1.xml', max: 16_384 } });
    const wide = sheetXml([['User Code'], Array.from({ length: 16_384 }, () => 'x'.repeat(60))]);
    expect(await refusal(await zipOfParts(workbookParts(wide)))).toMatchObject({ code: 'SPREADSHEET.ROW_TOO_LARGE', params: { row: 2 } });
  });

  it('refuses the reviewer\'s workbook: ~300 MB of text and elements outside cells that exceljs would pile onto the last value (heap OOM)', async () => {
    for (const where of ['between-rows', 'in-rows'] as const) {
      const bytes = await strayTextWorkbook(['User Code'], 320, where);
      // A small upload that passes the archive's size and ratio checks.
      expect(bytes.length).toBeLessThan(4 * 1024 ** 2);
      const started = Date.now();
      expect(await refusal(bytes)).toMatchObject({ code: 'SPREADSHEET.CONTENT_OUTSIDE_CELLS', params: { part: 'xl/worksheets/sheet1.xml' } });
      // Refused within the first megabytes, not after unpacking it all.
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('refuses comments and nesting no spreadsheet program writes; reads a sheet with settings, merged cells and header text around its data', async () => {
    const commented = Buffer.from(`<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><!-- ${'<x>'.repeat(100)} --></sheetData></worksheet>`);
    expect(await refusal(await zipOfParts(workbookParts(commented)))).toMatchObject({ code: 'SPREADSHEET.UNSUPPORTED_XML', params: { part: 'xl/worksheets/sheet1.xml' } });
    const deep = Buffer.from(`<worksheet><sheetData>${'<x>'.repeat(100)}${'</x>'.repeat(100)}</sheetData></worksheet>`);
    expect(await refusal(await zipOfParts(workbookParts(deep)))).toMatchObject({ code: 'SPREADSHEET.UNSUPPORTED_XML', params: { what: expect.stringContaining('64') } });
    const excel = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B2"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><cols><col min="1" max="2" width="12" customWidth="1"/></cols>` +
        `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>User Code</t></is></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2" s="1" customFormat="1"/><row r="3"><c r="A3" t="inlineStr"><is><t>L-1001</t></is></c><c r="B3" s="1"/></row></sheetData>` +
        `<mergeCells count="1"><mergeCell ref="C1:D1"/></mergeCells><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><headerFooter><oddHeader>&amp;CCertificates</oddHeader><oddFooter>Page &amp;P of &amp;N</oddFooter></headerFooter></worksheet>`,
    );
    const result = await check(await zipOfParts(workbookParts(excel)));
    if (!('copy' in result)) throw result.refused;
    expect(await rowsOf(result.copy)).toEqual([['User Code', 'Name'], [], ['L-1001']]);
  });

  it('keeps the ZIP refusals and the spreadsheet ones it knows', async () => {
    expect((await refusal(Buffer.from('%PDF-1.4 not a workbook'))).code).toBe('SPREADSHEET.NOT_XLSX');
    expect((await refusal(await zipOfParts([{ name: 'a.pdf', content: Buffer.from('%PDF') }]))).code).toBe('SPREADSHEET.NO_WORKSHEET');
    expect((await refusal(await zipOfParts(workbookParts(Buffer.alloc(50 * 1024 ** 2, ' '))))).code).toBe('ZIP.SUSPICIOUS_RATIO');
    const twice = await zipOfParts([...workbookParts(sheetXml([['a']])), { name: 'xl/worksheets/sheet1.xml', content: sheetXml([['b']]) }]);
    expect(await refusal(twice)).toMatchObject({ code: 'SPREADSHEET.CORRUPT', params: { reason: expect.stringContaining('twice') } });
  });
});
