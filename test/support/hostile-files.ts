import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import yazl from 'yazl';

/**
 * Hostile spreadsheets, built byte by byte: workbooks whose ZIP structure lies to a reader, and files
 * shaped to exhaust a worker's memory. Shared by the unit tests of the readers and the e2e corpus.
 */

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface Part {
  name: string;
  content: Buffer;
  /** Deflate it (default) or store it. */
  compress?: boolean;
}

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A1-style reference of a 0-based column and 1-based row. */
export function cellRef(column: number, row: number): string {
  let letters = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row}`;
}

/** Sheet XML with inline strings; a row may give explicit `[reference, text]` pairs instead of a list. */
export function sheetXml(rows: (string[] | [string, string][])[]): Buffer {
  const cells = (row: string[] | [string, string][], r: number) =>
    row
      .map((cell, c) => {
        const [ref, text] = Array.isArray(cell) ? cell : [cellRef(c, r), cell];
        return `<c r="${ref}" t="inlineStr"><is><t>${escape(text)}</t></is></c>`;
      })
      .join('');
  const body = rows.map((row, i) => `<row r="${i + 1}">${cells(row, i + 1)}</row>`).join('');
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}"><sheetData>${body}</sheetData></worksheet>`);
}

/** Shared strings XML for `count` strings made by `text(i)`, built in pieces (a million strings stay cheap). */
export function sharedStringsXml(count: number, text: (i: number) => string = (i) => `s${i.toString(36)}`): Buffer {
  const pieces: Buffer[] = [Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${MAIN_NS}" count="${count}" uniqueCount="${count}">`)];
  for (let start = 0; start < count; start += 50_000) {
    let batch = '';
    for (let i = start; i < Math.min(count, start + 50_000); i++) batch += `<si><t>${escape(text(i))}</t></si>`;
    pieces.push(Buffer.from(batch));
  }
  pieces.push(Buffer.from('</sst>'));
  return Buffer.concat(pieces);
}

/** The parts of a minimal one-sheet workbook around `sheet` (plus any extra parts, e.g. shared strings). */
export function workbookParts(sheet: Buffer, extra: Part[] = []): Part[] {
  return [
    {
      name: '[Content_Types].xml',
      content: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
      ),
    },
    {
      name: '_rels/.rels',
      content: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    },
    {
      name: 'xl/workbook.xml',
      content: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      content: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ),
    },
    ...extra,
    { name: 'xl/worksheets/sheet1.xml', content: sheet },
  ];
}

/** A ZIP of the parts, sizes in the local headers (no data descriptors). */
export async function zipOfParts(parts: Part[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const part of parts) archive.addBuffer(part.content, part.name, { compress: part.compress ?? true });
  archive.end();
  return buffer(archive.outputStream as unknown as NodeJS.ReadableStream);
}

/** Where the central directory starts, read from the end-of-central-directory record. */
function centralDirectoryOffset(zip: Buffer): number {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  return zip.readUInt32LE(end + 16);
}

/** The entry's central header and where its local header sits. */
function centralEntry(zip: Buffer, name: string): { central: number; local: number } {
  for (let at = centralDirectoryOffset(zip); zip.readUInt32LE(at) === 0x02014b50; at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)) {
    if (zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)) === name) return { central: at, local: zip.readUInt32LE(at + 42) };
  }
  throw new Error(`no entry ${name}`);
}

/** Makes a part declare `declared` bytes unpacked (in both headers) while it unpacks to more: a lying bomb. */
export function understateSize(zip: Buffer, name: string, declared: number): Buffer {
  const out = Buffer.from(zip);
  const { central, local } = centralEntry(out, name);
  out.writeUInt32LE(declared, central + 24);
  out.writeUInt32LE(declared, local + 22);
  return out;
}

/** Only the local entries: the central directory and its end record cut off (a reader walking local headers still reads it all). */
export function withoutCentralDirectory(zip: Buffer): Buffer {
  return Buffer.from(zip.subarray(0, centralDirectoryOffset(zip)));
}

/**
 * `visible` with the local entries of `hidden` put in front: a reader of the central directory sees
 * only `visible`'s parts, one walking the local headers from the start meets `hidden`'s parts first.
 */
export function withLocalOnlyParts(visible: Buffer, hidden: Buffer): Buffer {
  const prefix = withoutCentralDirectory(hidden);
  const out = Buffer.concat([prefix, visible]);
  const shift = prefix.length;
  const start = shift + centralDirectoryOffset(visible);
  let at = start;
  while (out.readUInt32LE(at) === 0x02014b50) {
    out.writeUInt32LE(out.readUInt32LE(at + 42) + shift, at + 42);
    at += 46 + out.readUInt16LE(at + 28) + out.readUInt16LE(at + 30) + out.readUInt16LE(at + 32);
  }
  const end = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  out.writeUInt32LE(start, end + 16);
  return out;
}

/** A CSV header line with `commas` extra commas (empty columns) after the real headers, then a column named `last` if given. */
export function csvWithWideHeader(header: string[], rows: string[][], commas: number, last = ''): Buffer {
  return Buffer.from([header.join(',') + ','.repeat(commas) + last, ...rows.map((row) => row.join(','))].join('\r\n') + '\r\n');
}

/**
 * The reviewer's OOM workbook: a header row, a row with one value, then `megabytes` MB of content outside
 * any cell (runs of `<x/>`, a 16 KB text repeated, and a little random text so the ZIP stays under the
 * compression-ratio limit), then one more row. exceljs's sheet reader appends every text after a cell
 * value to that value and never lets go of it: ~300 MB of it exhausts a 288 MB heap, from a ~2 MB upload.
 * `where` puts the junk between the rows, or inside rows of its own (each well under the row limit).
 * Streamed into the ZIP, so the test never holds the unpacked sheet.
 */
export async function strayTextWorkbook(header: string[], megabytes: number, where: 'between-rows' | 'in-rows' = 'between-rows'): Promise<Buffer> {
  const text = Buffer.from('stray text '.repeat(1490).slice(0, 16 * 1024));
  const headerCells = header.map((name, c) => `<c r="${cellRef(c, 1)}" t="inlineStr"><is><t>${escape(name)}</t></is></c>`).join('');
  function* sheet(): Generator<Buffer> {
    yield Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}"><sheetData><row r="1">${headerCells}</row><row r="2"><c r="A2"><v>1</v></c></row>`);
    // Blocks of 512 KiB: 2 KB of <x/>, 31 copies of the text, 4 KB of random letters.
    for (let block = 0; block < megabytes * 2; block++) {
      const parts = [Buffer.from('<x/>'.repeat(512)), ...Array.from({ length: 31 }, () => text), Buffer.from(randomBytes(3072).toString('base64').replace(/[+/]/g, 'a'))];
      yield where === 'in-rows' ? Buffer.concat([Buffer.from(`<row r="${block + 3}">`), ...parts, Buffer.from('</row>')]) : Buffer.concat(parts);
    }
    const last = megabytes * 2 + 3;
    yield Buffer.from(`<row r="${last}"><c r="A${last}"><v>2</v></c></row></sheetData></worksheet>`);
  }
  const parts = workbookParts(Buffer.alloc(0)).filter((part) => part.name !== 'xl/worksheets/sheet1.xml');
  const archive = new yazl.ZipFile();
  for (const part of parts) archive.addBuffer(part.content, part.name);
  archive.addReadStream(Readable.from(sheet()), 'xl/worksheets/sheet1.xml');
  archive.end();
  return buffer(archive.outputStream as unknown as NodeJS.ReadableStream);
}
