import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readFileHead } from '#libs/storage/file-head.js';
import { SafeZip, ZipRejected, type ZipFileEntry, type ZipLimits } from '#libs/zip/safe-zip.js';
import { StoredZipWriter } from '#libs/zip/stored-zip-writer.js';
import { isOle2CompoundFile } from './legacy-excel.js';
import { SpreadsheetUnreadable } from './spreadsheet-reader.js';
import { XmlMeter, XmlShapeError, type XmlMeterLimits } from './xml-meter.js';

export interface XlsxLimits {
  zip: ZipLimits;
  /** Most bytes `xl/sharedStrings.xml` may unpack to: exceljs keeps every shared string in memory. */
  maxSharedStringsBytes: number;
  /**
   * Most shared strings in it, a rich-text run counting as 10. Measured with a 288 MB heap: 1,000,000
   * short strings take ~32 MB, 100,000 bold runs ~33 MB, 48 MB of long strings ~48 MB.
   */
  maxSharedStrings: number;
  /** Most bytes of each other part exceljs reads whole (workbook, relationships, styles). */
  maxPartBytes: number;
  /** Most elements of each other part exceljs reads whole (styles: one object per element). */
  maxPartElements: number;
  /** Most bytes of one sheet row's XML, and of any single tag or text. */
  maxRowBytes: number;
}

export const DEFAULT_XLSX_LIMITS: Omit<XlsxLimits, 'zip'> = {
  maxSharedStringsBytes: 48 * 1024 ** 2,
  maxSharedStrings: 1_000_000,
  maxPartBytes: 16 * 1024 ** 2,
  // Excel allows 64,000 cell formats; 250,000 bare <xf/> take ~45 MB of heap, 840,000 took 146 MB.
  maxPartElements: 250_000,
  maxRowBytes: 1024 ** 2,
};

/** The parts exceljs's streaming reader reads whole into memory (everything but the sheets). */
const WHOLE_PARTS = ['_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/styles.xml'];
const SHARED_STRINGS = 'xl/sharedStrings.xml';
/** Columns A to XFD: a row with more cells is not a workbook Excel wrote. */
const EXCEL_MAX_COLUMNS = 16_384;
const SHEET = /^xl\/worksheets\/sheet\d+\.xml$/;
/** Excel nests sheet XML ~10 deep (extensions included); a SAX parser keeps every open element. */
const MAX_XML_DEPTH = 64;
/** Text allowed from one cell value to the next, in rows: whitespace of pretty-printed rows without values. */
const TEXT_BETWEEN_VALUES_ROWS = 4;
const EMPTY_SHARED_STRINGS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>',
);

/**
 * Copies the parts of a workbook that exceljs reads into a new, uncompressed ZIP at `target`, checking
 * each one while it unpacks: the ZIP as a whole passes SafeZip (central directory, declared sizes,
 * ratios), then every part is held to a size limit counted on the bytes actually unpacked and to a
 * shape that fits in memory once parsed (no giant token or row, not too many shared strings).
 *
 * exceljs walks the local headers of the file it is given, so it would also read parts that sit only
 * in local headers (missing from the central directory this check reads), and it unpacks without
 * limits. Giving it only this copy means it reads nothing that was not checked. Any ZIP-level problem
 * refuses the workbook; an error this code does not know propagates (and refuses it too).
 */
export async function copyCheckedXlsx(source: string, target: string, limits: XlsxLimits): Promise<void> {
  const head = await readFileHead(source, 8);
  if (isOle2CompoundFile(head)) throw new SpreadsheetUnreadable('SPREADSHEET.LEGACY_XLS');
  if (head.length < 4 || head.readUInt32LE(0) !== 0x04034b50) throw new SpreadsheetUnreadable('SPREADSHEET.NOT_XLSX');
  const zip = await SafeZip.open(source, limits.zip).catch(asSpreadsheetError);
  let writer: StoredZipWriter | undefined;
  try {
    const parts = partsToCopy(zip.listing.files);
    writer = await StoredZipWriter.create(target);
    let addedEmptyStrings = false;
    for (const part of parts) {
      if (SHEET.test(part.path) && !parts.some((p) => p.path === SHARED_STRINGS) && !addedEmptyStrings) {
        // Without shared strings exceljs copies every sheet to a temporary file before reading it.
        await writer.add(SHARED_STRINGS, [EMPTY_SHARED_STRINGS]);
        addedEmptyStrings = true;
      }
      const limit = part.path === SHARED_STRINGS ? limits.maxSharedStringsBytes : SHEET.test(part.path) ? Number.MAX_SAFE_INTEGER : limits.maxPartBytes;
      const tooLarge = () => new SpreadsheetUnreadable('SPREADSHEET.PART_TOO_LARGE', { part: part.path, maxMegabytes: Math.floor(limit / 1024 ** 2) });
      if (part.size > limit) throw tooLarge();
      const sheet = SHEET.test(part.path);
      const meter = new XmlMeter({
        maxTokenBytes: limits.maxRowBytes,
        maxRowBytes: sheet ? limits.maxRowBytes : Number.MAX_SAFE_INTEGER,
        maxStrings: part.path === SHARED_STRINGS ? limits.maxSharedStrings : Number.MAX_SAFE_INTEGER,
        // Sheets are streamed and shared strings have their own limit; the other parts are read whole.
        maxElements: sheet || part.path === SHARED_STRINGS ? Number.MAX_SAFE_INTEGER : limits.maxPartElements,
        maxRowCells: EXCEL_MAX_COLUMNS,
        maxColumnDefinitions: EXCEL_MAX_COLUMNS,
        maxDepth: MAX_XML_DEPTH,
        // exceljs's sheet reader keeps all text after a cell value until the next value (see XmlMeter).
        maxTextBetweenValues: sheet ? limits.maxRowBytes * TEXT_BETWEEN_VALUES_ROWS : Number.MAX_SAFE_INTEGER,
        // Between rows a sheet holds nothing but whitespace; around the sheet data, settings, merged cells
        // and formats, no more than a part read whole may hold.
        maxGapBytes: sheet ? limits.maxRowBytes : Number.MAX_SAFE_INTEGER,
        maxOutsideSheetDataBytes: sheet ? limits.maxPartBytes : Number.MAX_SAFE_INTEGER,
      } satisfies XmlMeterLimits);
      const stream = await zip.openFile(part);
      await writer.add(part.path, checked(stream, part.path, limit, meter, tooLarge)).catch(asSpreadsheetError);
    }
    await writer.finish();
    writer = undefined;
  } catch (error) {
    await writer?.abort();
    await rm(target, { force: true });
    throw asSpreadsheetErrorSync(error);
  } finally {
    zip.close();
  }
}

/** The parts exceljs reads, in the order that lets it stream the sheets (shared strings first). */
function partsToCopy(files: ZipFileEntry[]): ZipFileEntry[] {
  const byPath = new Map<string, ZipFileEntry>();
  for (const file of files) {
    if (byPath.has(file.path)) throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: `the part ${file.path} appears twice` });
    byPath.set(file.path, file);
  }
  const sheets = files.filter((file) => SHEET.test(file.path));
  if (sheets.length === 0) throw new SpreadsheetUnreadable('SPREADSHEET.NO_WORKSHEET');
  return [...[...WHOLE_PARTS, SHARED_STRINGS].flatMap((path) => byPath.get(path) ?? []), ...sheets];
}

async function* checked(stream: Readable, part: string, limit: number, meter: XmlMeter, tooLarge: () => Error): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    try {
      meter.write(chunk);
    } catch (error) {
      throw error instanceof XmlShapeError ? shapeProblem(error, part) : error;
    }
    yield chunk;
  }
}

function shapeProblem(error: XmlShapeError, part: string): SpreadsheetUnreadable {
  const exceeded = error.exceeded;
  switch (exceeded.limit) {
    case 'row':
      return new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: exceeded.row, maxKilobytes: Math.floor(exceeded.max / 1024) });
    case 'strings':
      return new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_SHARED_STRINGS', { max: exceeded.max });
    case 'cells':
      return new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_COLUMNS', { row: exceeded.row, columns: exceeded.count, max: exceeded.max });
    case 'elements':
      return new SpreadsheetUnreadable('SPREADSHEET.PART_TOO_COMPLEX', { part, max: exceeded.max });
    case 'token':
      return new SpreadsheetUnreadable('SPREADSHEET.VALUE_TOO_LARGE', { part, maxKilobytes: Math.floor(exceeded.max / 1024) });
    case 'text':
    case 'gap':
    case 'outside':
      return new SpreadsheetUnreadable('SPREADSHEET.CONTENT_OUTSIDE_CELLS', { part, maxKilobytes: Math.floor(exceeded.max / 1024) });
    case 'depth':
      return new SpreadsheetUnreadable('SPREADSHEET.UNSUPPORTED_XML', { part, what: `elements nested more than ${exceeded.max} deep` });
    case 'markup':
      return new SpreadsheetUnreadable('SPREADSHEET.UNSUPPORTED_XML', { part, what: exceeded.what });
  }
}

/** A damaged ZIP, found on opening or while unpacking, is a damaged workbook; other refusals keep their code. */
function asSpreadsheetErrorSync(error: unknown): unknown {
  if (error instanceof ZipRejected && error.code === 'ZIP.CORRUPT') return new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', error.params);
  return error;
}

function asSpreadsheetError(error: unknown): never {
  throw asSpreadsheetErrorSync(error);
}
