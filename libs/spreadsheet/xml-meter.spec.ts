import { describe, expect, it } from 'vitest';
import { XmlMeter, XmlShapeError, type XmlMeterExceeded, type XmlMeterLimits } from './xml-meter.js';

const LOOSE: XmlMeterLimits = {
  maxTokenBytes: 1e9,
  maxRowBytes: 1e9,
  maxStrings: 1e9,
  maxElements: 1e9,
  maxRowCells: 1e9,
  maxColumnDefinitions: 1e9,
  maxDepth: 1e9,
  maxTextBetweenValues: 1e9,
  maxGapBytes: 1e9,
  maxOutsideSheetDataBytes: 1e9,
};

/** Feeds the XML in pieces of `piece` bytes; returns what was exceeded, if anything. */
function measure(xml: string, limits: Partial<XmlMeterLimits>, piece = Number.MAX_SAFE_INTEGER): XmlMeterExceeded | undefined {
  const meter = new XmlMeter({ ...LOOSE, ...limits });
  const bytes = Buffer.from(xml);
  try {
    for (let at = 0; at < bytes.length; at += piece) meter.write(bytes.subarray(at, at + piece));
  } catch (error) {
    if (error instanceof XmlShapeError) return error.exceeded;
    throw error;
  }
  return undefined;
}

const row = (r: number, cells: number, text = 'x') => `<row r="${r}">${Array.from({ length: cells }, () => `<c t="inlineStr"><is><t>${text}</t></is></c>`).join('')}</row>`;
const sheet = (...rows: string[]) => `<?xml version="1.0"?><worksheet><sheetData>${rows.join('')}</sheetData><mergeCells count="1"/></worksheet>`;

describe('XmlMeter', () => {
  it('passes an ordinary sheet, however it is cut into chunks', () => {
    const xml = sheet(row(1, 6, 'User Code'), row(2, 6, 'L-1001'), row(3, 6));
    for (const piece of [1, 2, 3, 7, 64, 1e9]) expect(measure(xml, { maxTokenBytes: 64, maxRowBytes: 400, maxStrings: 0 }, piece)).toBeUndefined();
  });

  it('refuses a token (text or tag) longer than the limit, also when it spans chunks', () => {
    for (const piece of [1, 5, 1e9]) {
      expect(measure(sheet(row(1, 1, 'A'.repeat(1000))), { maxTokenBytes: 999 }, piece)).toMatchObject({ limit: 'token', max: 999 });
      expect(measure(`<a ${'b="1" '.repeat(200)}/>`, { maxTokenBytes: 1000 }, piece)).toMatchObject({ limit: 'token' });
    }
    // A text counts from the `<` of the tag before it.
    expect(measure(sheet(row(1, 1, 'A'.repeat(997))), { maxTokenBytes: 1000 })).toBeUndefined();
  });

  it('refuses a row whose XML is larger than the limit and names it', () => {
    const xml = sheet(row(1, 3), row(2, 200), row(3, 3));
    for (const piece of [1, 3, 1e9]) expect(measure(xml, { maxRowBytes: 2000 }, piece)).toMatchObject({ limit: 'row', row: 2, max: 2000 });
    expect(measure(xml, { maxRowBytes: 20_000 })).toBeUndefined();
  });

  it('knows rows with a namespace prefix, and what follows the sheet data is no row', () => {
    const prefixed = `<x:worksheet><x:sheetData><x:row r="1"><x:c/></x:row><x:row r="2">${'<x:c/>'.repeat(100)}</x:row></x:sheetData></x:worksheet>`;
    expect(measure(prefixed, { maxRowBytes: 300 }, 2)).toMatchObject({ limit: 'row', row: 2 });
    expect(measure(sheet(row(1, 1)) + '<extLst>' + '<ext/>'.repeat(1000) + '</extLst>', { maxRowBytes: 200 })).toBeUndefined();
  });

  it('counts shared strings, a rich-text run as ten', () => {
    const plain = `<sst>${'<si><t>a</t></si>'.repeat(100)}</sst>`;
    expect(measure(plain, { maxStrings: 100 }, 3)).toBeUndefined();
    expect(measure(plain, { maxStrings: 99 }, 3)).toMatchObject({ limit: 'strings', count: 100, max: 99 });
    const rich = `<sst>${'<si><r><rPr><b/></rPr><t>a</t></r><r><t>b</t></r></si>'.repeat(10)}</sst>`;
    expect(measure(rich, { maxStrings: 210 })).toBeUndefined();
    expect(measure(rich, { maxStrings: 209 })).toMatchObject({ limit: 'strings' });
    // <rPr> and <rPh> are not runs.
    expect(measure('<si><rPh><t>a</t></rPh><rPr/></si>', { maxStrings: 1 })).toBeUndefined();
  });

  it('counts the elements of a part and the cells of each row', () => {
    const styles = `<styleSheet><cellXfs>${'<xf/>'.repeat(1000)}</cellXfs></styleSheet>`;
    expect(measure(styles, { maxElements: 1002 }, 3)).toBeUndefined();
    expect(measure(styles, { maxElements: 1001 }, 3)).toMatchObject({ limit: 'elements', max: 1001 });
    const xml = sheet(row(1, 3), row(2, 300), row(3, 3));
    for (const piece of [1, 7, 1e9]) expect(measure(xml, { maxRowCells: 299 }, piece)).toMatchObject({ limit: 'cells', row: 2, count: 300, max: 299 });
    expect(measure(xml, { maxRowCells: 300 })).toBeUndefined();
    const cols = `<worksheet><cols>${'<col min="1" max="1"/>'.repeat(500)}</cols><sheetData/></worksheet>`;
    expect(measure(cols, { maxColumnDefinitions: 500 }, 5)).toBeUndefined();
    expect(measure(cols, { maxColumnDefinitions: 499 }, 5)).toMatchObject({ limit: 'elements', count: 500, max: 499 });
  });

  describe('what exceljs piles onto its last cell value', () => {
    const valueRow = (r: number) => `<row r="${r}"><c r="A${r}"><v>${r}</v></c></row>`;
    const cuts = [1, 7, 1e9];

    it('refuses text after a value, wherever it sits (between rows, in rows without values, after the sheet data), until the next value', () => {
      const junk = 'T'.repeat(300);
      const between = `<worksheet><sheetData>${valueRow(1)}${`<x>${junk}</x>`.repeat(5)}${valueRow(2)}</sheetData></worksheet>`;
      const inRows = `<worksheet><sheetData>${valueRow(1)}${Array.from({ length: 5 }, (_, i) => `<row r="${i + 2}"><x>${junk}</x><c r="A${i + 2}"/></row>`).join('')}</sheetData></worksheet>`;
      const after = `<worksheet><sheetData>${valueRow(1)}</sheetData><headerFooter>${`<oddHeader>${junk}</oddHeader>`.repeat(5)}</headerFooter></worksheet>`;
      for (const xml of [between, inRows, after]) {
        for (const piece of cuts) expect(measure(xml, { maxTextBetweenValues: 1000 }, piece)).toMatchObject({ limit: 'text', max: 1000 });
        expect(measure(xml, { maxTextBetweenValues: 1600 })).toBeUndefined();
      }
      // Every value starts afresh.
      const values = `<worksheet><sheetData>${Array.from({ length: 20 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}" t="inlineStr"><is><t>${junk}</t></is></c></row>`).join('')}</sheetData></worksheet>`;
      for (const piece of cuts) expect(measure(values, { maxTextBetweenValues: 1000 }, piece)).toBeUndefined();
    });

    it('counts as exceljs does: a <v> outside a cell, after a self-closed <c/> (even with a > in an attribute), or with a prefix starts nothing', () => {
      const junk = 'T'.repeat(300);
      const rows = (cell: string) => `<worksheet><sheetData>${valueRow(1)}${Array.from({ length: 5 }, (_, i) => `<row r="${i + 2}">${cell}<v>${junk}</v></row>`).join('')}</sheetData></worksheet>`;
      for (const cell of ['', '<c r="A2"/>', '<c r="A2" t="a>b"/>', "<c r='A2' t='a>b' />", '<x:c r="A2"></x:c>']) {
        for (const piece of cuts) expect(measure(rows(cell), { maxTextBetweenValues: 1000 }, piece), cell).toMatchObject({ limit: 'text' });
      }
      // A <v> in a row outside the sheet data is no value either.
      const outside = `<worksheet><sheetData>${valueRow(1)}</sheetData>${`<row r="9"><c r="A9"><v>${junk}</v></c></row>`.repeat(5)}</worksheet>`;
      expect(measure(outside, { maxTextBetweenValues: 1000 })).toMatchObject({ limit: 'text' });
    });

    it('refuses content between rows over the gap limit, and outside the sheet data over its limit', () => {
      const gap = `<worksheet><sheetData>${valueRow(1)}${'<x/>'.repeat(300)}${valueRow(2)}</sheetData></worksheet>`;
      for (const piece of cuts) expect(measure(gap, { maxGapBytes: 1000 }, piece)).toMatchObject({ limit: 'gap', max: 1000, afterRow: 1 });
      expect(measure(gap, { maxGapBytes: 1300 })).toBeUndefined();
      // Rows themselves are not gaps, however many.
      expect(measure(`<worksheet><sheetData>${Array.from({ length: 300 }, (_, i) => valueRow(i + 1)).join('\n')}</sheetData></worksheet>`, { maxGapBytes: 20 })).toBeUndefined();
      const around = `<worksheet><cols>${'<col min="1" max="1"/>'.repeat(30)}</cols><sheetData>${valueRow(1)}</sheetData><mergeCells>${'<mergeCell ref="A1:B1"/>'.repeat(30)}</mergeCells></worksheet>`;
      for (const piece of cuts) expect(measure(around, { maxOutsideSheetDataBytes: 1000 }, piece)).toMatchObject({ limit: 'outside', max: 1000 });
      expect(measure(around, { maxOutsideSheetDataBytes: 1500 })).toBeUndefined();
    });

    it('refuses nesting deeper than the limit', () => {
      const deep = (n: number) => `<worksheet>${'<a>'.repeat(n)}${'</a>'.repeat(n)}<b/><b/></worksheet>`;
      for (const piece of cuts) expect(measure(deep(64), { maxDepth: 64 }, piece)).toMatchObject({ limit: 'depth', max: 64 });
      expect(measure(deep(63), { maxDepth: 64 })).toBeUndefined();
      // Self-closed elements do not stay open.
      expect(measure(`<worksheet>${'<b x="/>"/>'.repeat(200)}</worksheet>`, { maxDepth: 2 })).toBeUndefined();
    });

    it('refuses comments, CDATA, DOCTYPE and processing instructions, which a parser holds whole with any < in them; the XML declaration first is fine', () => {
      const body = '<worksheet><sheetData/></worksheet>';
      for (const markup of ['<!-- <<<< -->', '<![CDATA[<<<<]]>', '<!DOCTYPE worksheet [<!ENTITY a "b">]>', '<?pi <<<< ?>']) {
        for (const piece of cuts) expect(measure(`<?xml version="1.0"?>${markup}${body}`, {}, piece)).toMatchObject({ limit: 'markup' });
        expect(measure(body.replace('<sheetData/>', markup), {})).toMatchObject({ limit: 'markup' });
      }
      expect(measure('<?xml version="1.0"?><?xml version="1.0"?>' + body, {})).toMatchObject({ limit: 'markup', what: 'processing instruction' });
      // Malformed: a parser stops there, the meter does not guess where the tag ends.
      expect(measure('<worksheet><c r="A1" <v>1</v></c></worksheet>', {})).toMatchObject({ limit: 'markup', what: 'a < inside a tag' });
      for (const piece of cuts) expect(measure(`\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`, {}, piece)).toBeUndefined();
    });
  });
});
