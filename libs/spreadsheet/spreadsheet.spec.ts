import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { cellText, neutraliseFormula, restoreNeutralised } from './cell-text.js';
import { detectDelimiter, detectEncoding, readSpreadsheet, type SheetRow } from './spreadsheet-reader.js';
import { CsvStreamWriter, XlsxStreamWriter } from './spreadsheet-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'sheet-'));
const collect = async (rows: AsyncGenerator<SheetRow>) => {
  const all: SheetRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
};

describe('reading CSV as admins export it', () => {
  it('reads a semicolon CSV from Dutch Excel in Windows-1252, with row numbers as Excel shows them', async () => {
    const text = 'User Code;Naam;Datum\r\nL-1;Jos\u00e9 M\u00fcller;01-02-2026\r\n\r\nL-2;"Smit; Jan";3-4-2026\r\n';
    const path = join(dir, 'dutch.csv');
    writeFileSync(path, Buffer.from(text, 'latin1'));
    const rows = await collect(readSpreadsheet(path, 'csv'));
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 4]);
    expect(rows[1].cells).toEqual(['L-1', 'Jos\u00e9 M\u00fcller', '01-02-2026']);
    expect(rows[2].cells[1]).toBe('Smit; Jan');
  });

  it('strips a UTF-8 BOM and reads comma CSVs', async () => {
    const path = join(dir, 'bom.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('User Code,Name\nL-1,\u0141ucja\n')]));
    const rows = await collect(readSpreadsheet(path, 'csv'));
    expect(rows[0].cells[0]).toBe('User Code');
    expect(rows[1].cells).toEqual(['L-1', '\u0141ucja']);
  });

  it('decides the encoding of a long file by its first accent, even far beyond the sample', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `L-${i};Smith ${i} xxxxxxxxxxxxxxxx`).join('\r\n');
    const text = `User Code;Naam\r\n${ascii}\r\nL-9;Jos\u00e9 M\u00fcller \u20ac\r\n`;
    const windows1252 = join(dir, 'late-1252.csv');
    writeFileSync(windows1252, Buffer.from(text.replace('\u20ac', '\u0080'), 'latin1'));
    const utf8 = join(dir, 'late-utf8.csv');
    writeFileSync(utf8, Buffer.from(text, 'utf8'));
    for (const path of [windows1252, utf8]) {
      const rows = await collect(readSpreadsheet(path, 'csv'));
      expect(rows).toHaveLength(5002);
      expect(rows.at(-1)!.cells).toEqual(['L-9', 'Jos\u00e9 M\u00fcller \u20ac']);
    }
  });

  it('detects encodings and delimiters', () => {
    expect(detectEncoding(Buffer.from('caf\u00e9', 'latin1'))).toBe('windows-1252');
    expect(detectEncoding(Buffer.from('caf\u00e9', 'utf8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toBe('utf-16le');
    expect(detectDelimiter('a;b;"c,d";e')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('single')).toBe(',');
  });
});

describe('XLSX round trip', () => {
  it('writes styled sheets and reads back text, numbers, booleans and real date cells', async () => {
    const path = join(dir, 'round.xlsx');
    const out = createWriteStream(path);
    const writer = new XlsxStreamWriter(out, [{ header: 'Code', mandatory: true, note: 'required' }, { header: 'Date' }, { header: 'Flag', booleanValidation: true }], {
      validationRows: 10,
    });
    writer.addRow(['=HYPERLINK("http://evil")', new Date(Date.UTC(2026, 1, 3)), true]);
    writer.addRow(['L-2', '3-4-2026', false]);
    await writer.finish();
    await finished(out);
    const rows = await collect(readSpreadsheet(path, 'xlsx'));
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    expect(rows[1].cells[0]).toBe('\'=HYPERLINK("http://evil")');
    expect(cellText(rows[1].cells[0])).toBe('=HYPERLINK("http://evil")');
    expect(cellText(rows[1].cells[1])).toBe('2026-02-03');
    expect(rows[1].cells[2]).toBe(true);
    expect(rows[2].cells[1]).toBe('3-4-2026');
  });

  it('reports a truncated or fake XLSX clearly', async () => {
    const fake = join(dir, 'fake.xlsx');
    writeFileSync(fake, 'this is text');
    await expect(collect(readSpreadsheet(fake, 'xlsx'))).rejects.toMatchObject({ code: 'SPREADSHEET.NOT_XLSX' });
  });
});

describe('formula neutralisation', () => {
  it('prefixes dangerous starts and restores them on the way back', () => {
    for (const dangerous of ['=1+1', '+31 6', '-2', '@SUM(A1)']) {
      expect(neutraliseFormula(dangerous)).toBe(`'${dangerous}`);
      expect(restoreNeutralised(neutraliseFormula(dangerous))).toBe(dangerous);
    }
    expect(neutraliseFormula('L-1001')).toBe('L-1001');
    expect(restoreNeutralised("'quoted")).toBe("'quoted");
  });

  it('escapes CSV cells', async () => {
    const chunks: string[] = [];
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write(chunk, _e, cb) { chunks.push(String(chunk)); cb(); } });
    const csv = new CsvStreamWriter(sink, ';');
    csv.start(['A', 'B']);
    csv.addRow(['x;y', '=cmd|"/c calc"!A0']);
    await csv.finish();
    expect(chunks.join('')).toBe('\uFEFFA;B\r\n"x;y";"\'=cmd|""/c calc""!A0"\r\n');
  });

  const csvOf = async (delimiter: string, rows: (string | number | null)[][]) => {
    const chunks: string[] = [];
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write(chunk, _e, cb) { chunks.push(String(chunk)); cb(); } });
    const csv = new CsvStreamWriter(sink, delimiter);
    csv.start(['A', 'B']);
    for (const row of rows) csv.addRow(row);
    await csv.finish();
    return chunks.join('').replace(/^\uFEFF/, '').split('\r\n').slice(1, -1);
  };

  it('quotes a cell holding any separator, whatever the chosen delimiter, so no locale splits it into a live cell', async () => {
    // A comma file opened by a semicolon locale would otherwise split "x;=cmd..." into a cell that starts with "=".
    expect(await csvOf(',', [['x;=cmd|"/c calc"!A0', 'plain']])).toEqual(['"x;=cmd|""/c calc""!A0",plain']);
    expect(await csvOf(';', [['a,=1+1', 'b']])).toEqual(['"a,=1+1";b']);
    expect(await csvOf(',', [['a\t=1+1', 'b']])).toEqual(['"a\t=1+1",b']);
    expect(await csvOf('\t', [['a,b', 'c;d']])).toEqual(['"a,b"\t"c;d"']);
    expect(await csvOf(',', [['say "hi"', 'ok']])).toEqual(['"say ""hi""",ok']);
    expect(await csvOf(',', [['line\nbreak', 'cr\rhere']]).then((lines) => lines.join('\r\n'))).toBe('"line\nbreak","cr\rhere"');
    // Numbers and plain text stay bare; quoting never hides a formula start (it is still neutralised).
    expect(await csvOf(';', [[12.5, 'L-1001']])).toEqual(['12.5;L-1001']);
    expect(await csvOf(',', [['=1+1;x', '@SUM(A1)']])).toEqual([`"'=1+1;x",'@SUM(A1)`]);
  });

  it('neutralises a leading tab or carriage return, as Excel reads them, besides = + - @', () => {
    for (const dangerous of ['\t=1+1', '\r=1+1']) {
      expect(neutraliseFormula(dangerous)).toBe(`'${dangerous}`);
      expect(restoreNeutralised(neutraliseFormula(dangerous))).toBe(dangerous);
    }
  });

  it('neutralises the full-width = + - @ that East Asian spreadsheets read as operators (NFC keeps them)', () => {
    for (const dangerous of ['\uFF1DHYPERLINK("http://x","y")', '\uFF0B1', '\uFF0D1', '\uFF20SUM(A1)']) {
      expect(cellText(dangerous)).toBe(dangerous);
      expect(neutraliseFormula(dangerous)).toBe(`'${dangerous}`);
      expect(restoreNeutralised(neutraliseFormula(dangerous))).toBe(dangerous);
    }
  });

  it('neutralises the header row of an XLSX too, and drops what XML cannot hold from every cell, so Excel opens it', async () => {
    const path = join(dir, 'hostile-header.xlsx');
    const out = createWriteStream(path);
    const writer = new XlsxStreamWriter(out, [{ header: '=HYPERLINK("http://evil","Click")' }, { header: 'Naam\uFFFF' }]);
    writer.addRow(['ok\uFFFFnext', 'lone \uD800 surrogate, U+FFFE \uFFFE, and a real emoji \u{1F600}']);
    await writer.finish();
    await finished(out);
    // Read back by a strict XML parser (saxes), which refuses a sheet holding U+FFFE or U+FFFF.
    const rows = await collect(readSpreadsheet(path, 'xlsx'));
    expect(rows[0].cells).toEqual(['\'=HYPERLINK("http://evil","Click")', 'Naam']);
    expect(rows[1].cells).toEqual(['oknext', 'lone  surrogate, U+FFFE , and a real emoji \u{1F600}']);
  });
});

describe('cell text', () => {
  it('is NFC without NUL and trimmed, for ASCII and other text alike', () => {
    expect(cellText('  plain@example.com ')).toBe('plain@example.com');
    expect(cellText('Cafe\u0301')).toBe('Caf\u00e9');
    expect(cellText('a\u0000b')).toBe('ab');
    expect(cellText(' Jose\u0301\u0000 ')).toBe('Jos\u00e9');
    expect(cellText("'=1+1")).toBe('=1+1');
    expect(cellText(42)).toBe('42');
  });
});
