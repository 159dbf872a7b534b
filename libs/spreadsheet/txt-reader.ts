import { parse } from 'csv-parse';
import { boundedCells, lineLengthGuard, SpreadsheetUnreadable, type SheetLimits, type SheetRow } from './spreadsheet-reader.js';
import { openDecodedText } from './text-decoding.js';

/**
 * Streams a tab-delimited text file with a header row, as Excel's "Text (Tab delimited)" writes it: a
 * field holding a tab, a line break or a double quote is wrapped in double quotes, a quote inside doubled
 * (`"say ""hi"""`); a quote inside an unquoted field is kept as it is. Encoding as for CSV (BOM, UTF-8,
 * Windows-1252); blank lines are skipped; `rowNumber` is the line as csv-parse counts it (as for CSV).
 * Limits: `maxRowBytes` per line/record, `maxColumns` per row (trailing empty cells do not count).
 */
export async function* readTabText(path: string, limits: SheetLimits): AsyncGenerator<SheetRow> {
  const decoded = await openDecodedText(path);
  const guard = lineLengthGuard(limits.maxRowBytes);
  const parser = decoded.text.pipe(guard).pipe(
    parse({
      delimiter: '\t',
      quote: '"',
      escape: '"',
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      info: true,
      max_record_size: limits.maxRowBytes,
    }),
  );
  decoded.text.on('error', (error) => parser.destroy(error));
  guard.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (record.every((cell) => cell.trim() === '')) continue;
      yield { rowNumber: info.lines, cells: boundedCells(info.lines, record, limits) };
    }
  } catch (error) {
    if (error instanceof SpreadsheetUnreadable) throw error;
    const csvError = error as { code?: string; lines?: number };
    if (csvError?.code === 'CSV_MAX_RECORD_SIZE') {
      throw new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: csvError.lines ?? 0, maxKilobytes: Math.floor(limits.maxRowBytes / 1024) });
    }
    throw new SpreadsheetUnreadable('SPREADSHEET.TXT_INVALID', { reason: String((error as Error)?.message ?? error).slice(0, 200) });
  } finally {
    parser.destroy();
    guard.destroy();
    await decoded.close();
  }
}
