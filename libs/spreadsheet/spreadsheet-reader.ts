import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { isAscii } from 'node:buffer';
import { Transform } from 'node:stream';
import { readFileHead } from '#libs/storage/file-head.js';
import { isOle2CompoundFile } from './legacy-excel.js';
import { SpreadsheetUnreadable, type CellValue, type MergedRange, type SheetRow } from './sheet-values.js';
import { readXlsxRows } from './xlsx-sheet-reader.js';

export { SpreadsheetUnreadable, type CellValue, type MergedRange, type RowFacts, type SheetRow } from './sheet-values.js';

export type SpreadsheetKind = 'xlsx' | 'csv';


export interface SheetLimits {
  /** Most columns a row may use (trailing empty cells do not count). */
  maxColumns: number;
  /** Most characters of one row (all its cells together), and of one CSV line. */
  maxRowBytes: number;
}

export const DEFAULT_SHEET_LIMITS: SheetLimits = { maxColumns: 256, maxRowBytes: 1024 ** 2 };

/**
 * Streams the rows of the first worksheet (XLSX) or of a CSV file; memory does not grow with file size.
 * Trailing empty cells are dropped (a header followed by thousands of commas has only its named columns);
 * a row wider than `maxColumns` or larger than `maxRowBytes` refuses the file. An XLSX must have been
 * through copyCheckedXlsx (xlsx-guard.ts) first: the reader bounds tokens and cells, not the parts' sizes.
 * An XLSX's merged ranges go to `onMergedRanges` once the last row was read (see readXlsxRows).
 */
export function readSpreadsheet(
  path: string,
  kind: SpreadsheetKind,
  limits: SheetLimits = DEFAULT_SHEET_LIMITS,
  onMergedRanges?: (ranges: MergedRange[]) => void,
): AsyncGenerator<SheetRow> {
  return bounded(kind === 'xlsx' ? readXlsx(path, onMergedRanges) : readCsv(path, limits.maxRowBytes), limits);
}

async function* bounded(rows: AsyncGenerator<SheetRow>, limits: SheetLimits): AsyncGenerator<SheetRow> {
  for await (const row of rows) {
    const cells = boundedCells(row.rowNumber, row.cells, limits);
    yield row.facts ? { rowNumber: row.rowNumber, cells, facts: row.facts } : { rowNumber: row.rowNumber, cells };
  }
}

/** Null, a hole (the XLSX reader leaves holes for missing cells) or blank text. */
const isEmptyCell = (cell: CellValue | undefined) => cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');

/** The row's cells without trailing empty ones; refuses a row too wide or too large to handle. */
export function boundedCells(rowNumber: number, cells: CellValue[], limits: SheetLimits): CellValue[] {
  let width = cells.length;
  while (width > 0 && isEmptyCell(cells[width - 1])) width--;
  if (width > limits.maxColumns) throw new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_COLUMNS', { row: rowNumber, columns: width, max: limits.maxColumns });
  let size = 0;
  for (let index = 0; index < width; index++) {
    const cell = cells[index];
    size += typeof cell === 'string' ? cell.length : 24;
  }
  if (size > limits.maxRowBytes) throw new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: rowNumber, maxKilobytes: Math.floor(limits.maxRowBytes / 1024) });
  return width === cells.length ? cells : cells.slice(0, width);
}

async function* readXlsx(path: string, onMergedRanges?: (ranges: MergedRange[]) => void): AsyncGenerator<SheetRow> {
  const head = await readFileHead(path, 8);
  if (isOle2CompoundFile(head)) throw new SpreadsheetUnreadable('SPREADSHEET.LEGACY_XLS');
  if (head.length < 4 || head.readUInt32LE(0) !== 0x04034b50) {
    throw new SpreadsheetUnreadable('SPREADSHEET.NOT_XLSX');
  }
  yield* readXlsxRows(path, onMergedRanges);
}

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export function decoderFor(encoding: TextEncodingName): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, decoder.decode(chunk, { stream: true }));
    },
    flush(callback) {
      callback(null, decoder.decode());
    },
  });
}

/** Passes ASCII through until the first non-ASCII bytes, which decide between UTF-8 and Windows-1252. */
export function decoderDecidedByFirstNonAscii(): Transform {
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let pending: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (decoder) return callback(null, decoder.decode(chunk, { stream: true }));
      const bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      if (isAscii(bytes)) return callback(null, bytes.toString('latin1'));
      const first = bytes.findIndex((byte) => byte > 0x7f);
      if (bytes.length - first < 4) {
        // Too few bytes to judge a multi-byte character: wait for the next chunk.
        pending = bytes;
        return callback();
      }
      decoder = new TextDecoder(detectEncoding(bytes.subarray(first), false));
      callback(null, decoder.decode(bytes, { stream: true }));
    },
    flush(callback) {
      callback(null, decoder ? decoder.decode() : new TextDecoder(detectEncoding(pending)).decode(pending));
    },
  });
}

/**
 * Decides a CSV file's encoding from its first bytes: a BOM wins; otherwise valid UTF-8 is UTF-8, and
 * anything else is taken as Windows-1252 (what Excel on Windows writes for "CSV").
 */
export function detectEncoding(head: Buffer, wholeFile = true): TextEncodingName {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  try {
    // A sample cut from a longer file may end inside a character: let only that case pass.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !wholeFile });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** The delimiter of the header line: whichever of `;` `,` tab and `|` occurs most outside quotes. */
export function detectDelimiter(firstLine: string): string {
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const char of firstLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return best[1] > 0 ? best[0] : ',';
}

/**
 * Refuses a line longer than twice `maxRowBytes` before a CSV parser sees it. csv-parse's record size counts the
 * characters of fields only: a line of nothing but delimiters (25 MB of commas: 25 million empty fields) passed
 * it and built an array entry per field until the worker ran out of memory. A quoted field may span lines;
 * each of its lines counts on its own.
 */
export function lineLengthGuard(maxRowBytes: number): Transform {
  // Twice the row limit: the delimiters and quotes of a full row are not in its size, and multi-byte text is.
  const maxBytes = 2 * maxRowBytes;
  let sinceNewline = 0;
  let line = 1;
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let start = 0;
      for (;;) {
        const newline = bytes.indexOf(0x0a, start);
        sinceNewline += (newline === -1 ? bytes.length : newline) - start;
        if (sinceNewline > maxBytes) {
          callback(new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: line, maxKilobytes: Math.floor(maxRowBytes / 1024) }));
          return;
        }
        if (newline === -1) break;
        sinceNewline = 0;
        line++;
        start = newline + 1;
      }
      callback(null, bytes);
    },
  });
}

async function* readCsv(path: string, maxRecordSize: number): AsyncGenerator<SheetRow> {
  const sampleSize = 64 * 1024;
  const head = await readFileHead(path, sampleSize);
  const encoding = detectEncoding(head, head.length < sampleSize);
  const headText = new TextDecoder(encoding).decode(head, { stream: true }).replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(headText.split(/\r?\n/)[0] ?? '');
  // A long file whose sample is plain ASCII says nothing yet: its first accent decides (Dutch exports
  // sorted by name often have their first "é" far beyond the sample).
  const decode = head.length >= sampleSize && isAscii(head) ? decoderDecidedByFirstNonAscii() : decoderFor(encoding);
  const source = createReadStream(path);
  const guard = lineLengthGuard(maxRecordSize);
  const parser = source
    .pipe(decode)
    .pipe(guard)
    .pipe(
      parse({
        delimiter,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        info: true,
        max_record_size: maxRecordSize,
      }),
    );
  guard.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (record.every((cell) => cell.trim() === '')) continue;
      yield { rowNumber: info.lines, cells: record };
    }
  } catch (error) {
    if (error instanceof SpreadsheetUnreadable) throw error;
    const csvError = error as { code?: string; lines?: number };
    if (csvError?.code === 'CSV_MAX_RECORD_SIZE') {
      throw new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: csvError.lines ?? 0, maxKilobytes: Math.floor(maxRecordSize / 1024) });
    }
    throw new SpreadsheetUnreadable('SPREADSHEET.CSV_INVALID', { reason: String((error as Error)?.message ?? error).slice(0, 200) });
  } finally {
    // Stopping early destroys only the parser: close the file, the decoder and the guard too.
    source.destroy();
    decode.destroy();
    guard.destroy();
  }
}
