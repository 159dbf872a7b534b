import { describe, expect, it } from 'vitest';
import { XmlMeter, XmlShapeError, type XmlMeterExceeded, type XmlMeterLimits } from './xml-meter.js';

const LOOSE: XmlMeterLimits = { maxTokenBytes: 1e9, maxRowBytes: 1e9, maxStrings: 1e9, maxElements: 1e9, maxRowCells: 1e9, maxColumnDefinitions: 1e9 };

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
});
