import { createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHEET_LIMITS, SpreadsheetUnreadable, type SheetLimits } from './spreadsheet-reader.js';
import { tableReaders, TableReaders, type TableReadOptions, type TableRow, type XmlRecordSpec } from './table-readers.js';

const dir = mkdtempSync(join(tmpdir(), 'table-readers-'));
let fileCount = 0;
const fileOf = (content: string | Buffer, extension: string) => {
  const path = join(dir, `f${++fileCount}.${extension}`);
  writeFileSync(path, content);
  return path;
};
const collect = async (rows: AsyncGenerator<TableRow>) => {
  const all: TableRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
};
const refusal = async (rows: AsyncGenerator<TableRow>) => {
  try {
    await collect(rows);
  } catch (error) {
    if (error instanceof SpreadsheetUnreadable) return error;
    throw error;
  }
  throw new Error('the file was read without refusal');
};
const openDescriptors = () => readdirSync('/proc/self/fd').length;

const txt = (path: string, limits: SheetLimits = DEFAULT_SHEET_LIMITS) => tableReaders.get('txt').read(path, { limits });
const people: XmlRecordSpec = { recordElement: 'person', fields: ['code', 'name', 'date'] };
const xml = (path: string, options: Partial<TableReadOptions> = {}) =>
  tableReaders.get('xml').read(path, { limits: DEFAULT_SHEET_LIMITS, xml: people, ...options });
const xmlText = (body: string) => fileOf(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 'xml');

describe('the table reader registry', () => {
  it('knows xlsx, csv, txt and xml, by kind and by case-insensitive extension', () => {
    expect(tableReaders.kinds()).toEqual(['xlsx', 'csv', 'txt', 'xml']);
    expect(tableReaders.kindOfFileName('people.XLSX')).toBe('xlsx');
    expect(tableReaders.kindOfFileName('people.csv')).toBe('csv');
    expect(tableReaders.kindOfFileName('PEOPLE.TXT')).toBe('txt');
    expect(tableReaders.kindOfFileName('export.2026.Xml')).toBe('xml');
    expect(tableReaders.kindOfFileName('dir.xml/people')).toBeUndefined();
    expect(tableReaders.kindOfFileName('people.pdf')).toBeUndefined();
    expect(tableReaders.kindOfFileName('people')).toBeUndefined();
    expect(tableReaders.kindOfFileName('.txt')).toBeUndefined();
    expect(tableReaders.kindOfFileName('people.')).toBeUndefined();
    expect(() => tableReaders.get('pdf')).toThrow(/no table reader of kind "pdf"/);
  });

  it('refuses a second reader for a kind or an extension already taken', () => {
    const registry = new TableReaders();
    const reader = tableReaders.get('txt');
    registry.register(reader);
    expect(() => registry.register(reader)).toThrow(/already registered/);
    expect(() => registry.register({ ...reader, kind: 'tab', extensions: ['TXT'] })).toThrow(/already read by "txt"/);
    registry.register({ ...reader, kind: 'tsv', extensions: ['.TSV'] });
    expect(registry.kindOfFileName('a.tsv')).toBe('tsv');
  });

  it('csv yields the header first and applies maxRows to data rows only', async () => {
    const path = fileOf('code;name\nL-1;A\nL-2;B\n', 'csv');
    const options = { limits: DEFAULT_SHEET_LIMITS, maxRows: 2 };
    expect((await collect(tableReaders.get('csv').read(path, options))).map((row) => row.cells)).toEqual([
      ['code', 'name'],
      ['L-1', 'A'],
      ['L-2', 'B'],
    ]);
    expect(await refusal(tableReaders.get('csv').read(path, { ...options, maxRows: 1 }))).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_ROWS', params: { max: 1 } });
  });
});

describe('tab-delimited text', () => {
  it('reads UTF-8 with a BOM, skips blank lines, and numbers rows by line', async () => {
    const path = fileOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('User Code\tNaam\r\nL-1\t\u0141ucja; Smit, J.\r\n\r\n\t\r\nL-2\tJos\u00e9\r\n')]), 'txt');
    const rows = await collect(txt(path));
    expect(rows.map((row) => [row.rowNumber, row.cells])).toEqual([
      [1, ['User Code', 'Naam']],
      [2, ['L-1', '\u0141ucja; Smit, J.']],
      [5, ['L-2', 'Jos\u00e9']],
    ]);
  });

  it('reads UTF-16LE and UTF-16BE with a BOM (Excel "Unicode Text")', async () => {
    const text = '\uFEFFcode\tname\r\nL-1\t\u0141ucja \u20ac\r\n';
    const le = fileOf(Buffer.from(text, 'utf16le'), 'txt');
    const be = fileOf(Buffer.from(text, 'utf16le').swap16(), 'txt');
    for (const path of [le, be]) expect((await collect(txt(path))).map((row) => row.cells)).toEqual([['code', 'name'], ['L-1', '\u0141ucja \u20ac']]);
  });

  it('falls back to Windows-1252 for bytes that are not UTF-8', async () => {
    const path = fileOf(Buffer.from('code\tnaam\r\nL-1\tJos\u00e9 M\u00fcller \u0080\r\n', 'latin1'), 'txt');
    expect((await collect(txt(path)))[1].cells).toEqual(['L-1', 'Jos\u00e9 M\u00fcller \u20ac']);
  });

  it('splits on tabs only and handles quotes as Excel writes them', async () => {
    const content = 'code\tremark\tsize\r\nL-1\t"has\ta tab"\t5" screen\r\nL-2\t"say ""hi"", twice;"\tx\r\nL-3\t"two\r\nlines"\ty\r\n';
    const rows = await collect(txt(fileOf(content, 'txt')));
    expect(rows.map((row) => row.cells)).toEqual([
      ['code', 'remark', 'size'],
      ['L-1', 'has\ta tab', '5" screen'],
      ['L-2', 'say "hi", twice;', 'x'],
      ['L-3', 'two\r\nlines', 'y'],
    ]);
  });

  it('refuses a row over the column and size limits', async () => {
    const limits = { maxColumns: 4, maxRowBytes: 1024 };
    expect(await refusal(txt(fileOf('a\tb\nx\ty\tz\tw\tv\n', 'txt'), limits))).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_COLUMNS', params: { row: 2, columns: 5, max: 4 } });
    expect(await refusal(txt(fileOf(`a\tb\nx\t${'y'.repeat(5000)}\n`, 'txt'), limits))).toMatchObject({ code: 'SPREADSHEET.ROW_TOO_LARGE', params: { maxKilobytes: 1 } });
    // A header of a million tabs and a name: trailing empty cells do not count, the name does.
    expect(await refusal(txt(fileOf(`${'\t'.repeat(1000)}name\n`, 'txt'), { maxColumns: 256, maxRowBytes: 1024 ** 2 }))).toMatchObject({
      code: 'SPREADSHEET.TOO_MANY_COLUMNS',
      params: { row: 1, columns: 1001 },
    });
  });

  it('refuses a line of nothing but delimiters before it is split (it counted as an empty record), in .txt and CSV', async () => {
    const limits = { maxColumns: 4, maxRowBytes: 1024 };
    const before = process.memoryUsage().heapUsed;
    expect(await refusal(txt(fileOf(`a\tb\n${'\t'.repeat(5 * 1024 * 1024)}\n`, 'txt'), limits))).toMatchObject({ code: 'SPREADSHEET.ROW_TOO_LARGE', params: { row: 2, maxKilobytes: 1 } });
    expect(await refusal(tableReaders.get('csv').read(fileOf(`a,b\nx,y\n${','.repeat(5 * 1024 * 1024)}\n`, 'csv'), { limits }))).toMatchObject({
      code: 'SPREADSHEET.ROW_TOO_LARGE',
      params: { row: 3, maxKilobytes: 1 },
    });
    // Refused at the line, not after an array of five million empty fields was built.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * 1024 * 1024);
    // A quoted field spanning several lines counts line by line: a long record of short lines is read.
    const multiline = `a,b\nx,"${Array.from({ length: 10 }, () => 'y'.repeat(500)).join('\n')}"\n`;
    const rows = await collect(tableReaders.get('csv').read(fileOf(multiline, 'csv'), { limits: { maxColumns: 4, maxRowBytes: 8 * 1024 } }));
    expect(rows.at(-1)!.cells[1]).toHaveLength(10 * 500 + 9);
  });
});

describe('XML records', () => {
  it('reads records at any depth with their start line, fields in spec order, missing → null', async () => {
    const path = xmlText(
      [
        '<export created="2026-11-30">',
        '  <!-- comment --><?app ignored?>',
        '  <meta><source>HR</source></meta>',
        '  <people>',
        '    <person id="1"><name> Jos&#233; &amp; M\u00fcller </name><code>L-1</code><date>2026-01-02</date></person>',
        '    <person>',
        '      <code>L-2</code>',
        '      <name><![CDATA[<Smit>]]></name>',
        '    </person>',
        '    <person><code>L-3</code><name/><date></date></person>',
        '    <person><code> </code><name/></person><person/>',
        '  </people>',
        '  <person><code>L-6</code></person>',
        '</export>',
      ].join('\n'),
    );
    const rows = await collect(xml(path));
    expect(rows).toEqual([
      { rowNumber: 0, cells: ['code', 'name', 'date'] },
      { rowNumber: 1, line: 6, cells: ['L-1', 'Jos\u00e9 & M\u00fcller', '2026-01-02'] },
      { rowNumber: 2, line: 7, cells: ['L-2', '<Smit>'] },
      { rowNumber: 3, line: 11, cells: ['L-3'] },
      { rowNumber: 6, line: 14, cells: ['L-6'] },
    ]);
  });

  it('normalises field text to NFC and reads UTF-16 with a BOM', async () => {
    const body = '<?xml version="1.0" encoding="UTF-16"?><people><person><code>L-1</code><name>Jose\u0301</name></person></people>';
    const le = fileOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]), 'xml');
    const be = fileOf(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(body, 'utf16le').swap16()]), 'xml');
    for (const path of [le, be]) expect((await collect(xml(path)))[1].cells).toEqual(['L-1', 'Jos\u00e9']);
  });

  it('refuses an encoding other than UTF-8/UTF-16, and bytes invalid in UTF-8', async () => {
    const latin = fileOf(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><people><person><code>Jos\u00e9</code></person></people>', 'latin1'), 'xml');
    expect(await refusal(xml(latin))).toMatchObject({ code: 'XML.ENCODING_UNSUPPORTED', params: { encoding: 'ISO-8859-1' } });
    const invalid = fileOf(Buffer.from('<people>\n<person><code>Jos\u00e9</code></person></people>', 'latin1'), 'xml');
    expect(await refusal(xml(invalid))).toMatchObject({ code: 'XML.ENCODING_INVALID', params: { encoding: 'UTF-8' } });
  });

  it('refuses any DOCTYPE: billion laughs, and an external entity that is never read', async () => {
    const laughs = [
      '<!DOCTYPE people [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<people><person><code>&lol9;</code></person></people>',
    ].join('\n');
    expect(await refusal(xml(xmlText(laughs)))).toMatchObject({ code: 'XML.DOCTYPE_REFUSED', params: { line: 13 } }); // where the DOCTYPE ends
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'SECRET-CONTENT');
    const external = `<!DOCTYPE people [ <!ENTITY xxe SYSTEM "file://${secret}"> <!ENTITY passwd SYSTEM "file:///etc/passwd"> ]>\n<people><person><code>&xxe;&passwd;</code></person></people>`;
    const refused = await refusal(xml(xmlText(external)));
    expect(refused.code).toBe('XML.DOCTYPE_REFUSED');
    expect(JSON.stringify(refused)).not.toContain('SECRET-CONTENT');
    expect(JSON.stringify(refused)).not.toContain('root:');
    // A bare DOCTYPE without entities is refused too.
    expect(await refusal(xml(xmlText('<!DOCTYPE people>\n<people/>')))).toMatchObject({ code: 'XML.DOCTYPE_REFUSED' });
  });

  it('refuses an entity that is not predefined, naming it and its place', async () => {
    const refused = await refusal(xml(xmlText('<people>\n  <person><name>Jos&eacute;</name></person>\n</people>')));
    expect(refused).toMatchObject({ code: 'XML.ENTITY_REFUSED', params: { entity: 'eacute', line: 3 } });
  });

  it('refuses an unknown field, a duplicate field, a nested field and text in a record, naming record and line', async () => {
    expect(await refusal(xml(xmlText('<people>\n<person><code>1</code></person>\n<person>\n<code>2</code><email>x</email></person></people>')))).toMatchObject({
      code: 'XML.UNKNOWN_FIELD',
      params: { element: 'email', record: 2, line: 5, expected: 'code, name, date' },
    });
    expect(await refusal(xml(xmlText('<people>\n<person><code>1</code>\n<code>2</code></person></people>')))).toMatchObject({
      code: 'XML.DUPLICATE_FIELD',
      params: { element: 'code', record: 1, line: 4 },
    });
    expect(await refusal(xml(xmlText('<people><person><name><first>Jan</first></name></person></people>')))).toMatchObject({
      code: 'XML.NESTED_FIELD',
      params: { element: 'first', field: 'name', record: 1, line: 2 },
    });
    expect(await refusal(xml(xmlText('<people><person>loose<code>1</code></person></people>')))).toMatchObject({
      code: 'XML.TEXT_IN_RECORD',
      params: { record: 1, text: 'loose' },
    });
  });

  it('refuses malformed XML with its line and column', async () => {
    expect(await refusal(xml(xmlText('<people>\n  <person><code>1</cod></person>\n</people>')))).toMatchObject({ code: 'XML.MALFORMED', params: { line: 3, column: 23 } });
    expect(await refusal(xml(xmlText('<people>\n<person><code>1</code></person>')))).toMatchObject({ code: 'XML.MALFORMED', params: { line: 3 } });
    expect(await refusal(xml(fileOf('', 'xml')))).toMatchObject({ code: 'XML.MALFORMED' });
  });

  it('refuses nesting deeper than the limit, long names, large tokens and rows, and too many records', async () => {
    const deep = `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`;
    expect(await refusal(xml(xmlText(deep)))).toMatchObject({ code: 'XML.TOO_DEEP', params: { max: 32, line: 2 } });
    // A million open tags: refused at the 33rd, never stacked.
    expect(await refusal(xml(xmlText('<a>'.repeat(1_000_000))))).toMatchObject({ code: 'XML.TOO_DEEP' });
    expect(await refusal(xml(xmlText(`<people><${'p'.repeat(300)}/></people>`)))).toMatchObject({ code: 'XML.NAME_TOO_LONG', params: { length: 300, max: 256 } });
    expect(await refusal(xml(xmlText(`<people><person ${'x'.repeat(300)}="1"/></people>`)))).toMatchObject({ code: 'XML.NAME_TOO_LONG' });
    const limits = { maxColumns: 256, maxRowBytes: 64 * 1024 };
    const bigComment = `<people><!-- ${'<'.repeat(200_000)} --></people>`;
    expect(await refusal(xml(xmlText(bigComment), { limits }))).toMatchObject({ code: 'XML.TOKEN_TOO_LARGE', params: { maxKilobytes: 64 } });
    const manyAttributes = `<people><person ${Array.from({ length: 20_000 }, (_, i) => `a${i}="1"`).join(' ')}/></people>`;
    expect(await refusal(xml(xmlText(manyAttributes), { limits }))).toMatchObject({ code: 'XML.TOKEN_TOO_LARGE' });
    const bigRow = `<people><person><code>${'x'.repeat(40_000)}</code><name>${'y'.repeat(40_000)}</name></person></people>`;
    expect(await refusal(xml(xmlText(bigRow), { limits }))).toMatchObject({ code: 'SPREADSHEET.ROW_TOO_LARGE', params: { row: 1, maxKilobytes: 64 } });
    const three = xmlText('<people><person><code>1</code></person><person><code>2</code></person><person><code>3</code></person></people>');
    expect(await collect(xml(three, { maxRows: 3 }))).toHaveLength(4);
    expect(await refusal(xml(three, { maxRows: 2 }))).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_ROWS', params: { max: 2 } });
    // The limit is met when the records are read, not when the parser passes them: a caller that stops
    // after maxRows records (the preview asks for 21 of a 30-record file, all in one 64 KB chunk) is not refused.
    const thirty = xmlText(`<people>${Array.from({ length: 30 }, (_, i) => `<person><code>${i + 1}</code></person>`).join('')}</people>`);
    const firstRows: unknown[] = [];
    for await (const row of xml(thirty, { maxRows: 21 })) {
      firstRows.push(row);
      if (firstRows.length === 22) break;
    }
    expect(firstRows).toHaveLength(22);
    expect(await refusal(xml(thirty, { maxRows: 21 }))).toMatchObject({ code: 'SPREADSHEET.TOO_MANY_ROWS', params: { max: 21 } });
  });

  it('reads a 50 MB file incrementally: the first rows come before the broken end is reached, and stopping closes the file', async () => {
    const path = join(dir, 'big.xml');
    const out = createWriteStream(path);
    out.write('<?xml version="1.0"?>\n<people>\n');
    const block = Array.from({ length: 10_000 }, (_, i) => `<person><code>L-${i}</code><name>Name ${i}</name><date>2026-01-02</date></person>\n`).join('');
    let written = 0;
    while (written < 50 * 1024 ** 2) {
      if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      written += block.length;
    }
    out.end('<person><code>broken</person>'); // malformed, and no closing </people>: only a full read would see it
    await finished(out);

    const before = openDescriptors();
    const rows: TableRow[] = [];
    for await (const row of xml(path)) {
      rows.push(row);
      if (rows.length === 4) break;
    }
    expect(rows.map((row) => row.cells[0])).toEqual(['code', 'L-0', 'L-1', 'L-2']);
    expect(rows[3].line).toBe(5);
    expect(openDescriptors()).toBe(before);
    rmSync(path);
    expect(existsSync(path)).toBe(false);
  });

  it('a refusal closes the file too', async () => {
    const before = openDescriptors();
    await refusal(xml(xmlText('<people><person><bad/></person></people>')));
    await refusal(txt(fileOf(`a\tb\nx\t${'y'.repeat(5000)}\n`, 'txt'), { maxColumns: 4, maxRowBytes: 1024 }));
    expect(openDescriptors()).toBe(before);
  });

  it('an early stop of the txt reader closes the file', async () => {
    const path = fileOf(`code\tname\n${Array.from({ length: 100_000 }, (_, i) => `L-${i}\tname ${i}`).join('\n')}\n`, 'txt');
    const before = openDescriptors();
    for await (const row of txt(path)) if (row.rowNumber === 3) break;
    expect(openDescriptors()).toBe(before);
  });
});
