/**
 * node dist/bench/xlsx-read.js [--rows N] [--keep] — times the two XLSX steps of an import on their own:
 * copyCheckedXlsx (check and copy the workbook's parts) and readSpreadsheet on the checked copy, with
 * the same 100,000-row obtained-certificates sheet bench/imports.ts uploads. Run it with `--cpu-prof`
 * to see where the time goes; `--exceljs` reads with exceljs's streaming WorkbookReader instead (the reader
 * readSpreadsheet used before), for comparison. Figures are wall time and this process's CPU time.
 */
import ExcelJS from 'exceljs';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { readSpreadsheet } from '#libs/spreadsheet/spreadsheet-reader.js';
import { XlsxStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS } from '#libs/spreadsheet/xlsx-guard.js';
import { DEFAULT_ZIP_LIMITS } from '#libs/zip/safe-zip.js';

const args = process.argv.slice(2);
const rowsIndex = args.indexOf('--rows');
const ROWS = rowsIndex >= 0 ? Number(args[rowsIndex + 1]) : 100_000;
const DEFINITIONS = ['VCA-BASIS', 'BHV', 'EHBO', 'FORKLIFT', 'NT2-B1'];

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cit-xlsx-read-'));
  try {
    const source = join(work, 'certificates.xlsx');
    const out = createWriteStream(source);
    const writer = new XlsxStreamWriter(out, ['User Code', 'Certificate Definition Code', 'Date Obtained', 'Date Expires', 'Number', 'Auto Number'].map((header) => ({ header })));
    for (let i = 0; i < ROWS; i++) {
      const day = 1 + (i % 28);
      const month = 1 + (Math.floor(i / 28) % 12);
      const year = 2019 + (i % 6);
      writer.addRow([
        `B-${String(1 + (i % 10_000)).padStart(6, '0')}`,
        DEFINITIONS[i % DEFINITIONS.length],
        `${String(day).padStart(2, '0')}-${String(month).padStart(2, '0')}-${year}`,
        '',
        `BN-${i + 1}`,
        'FALSE',
      ]);
    }
    await writer.finish();
    await finished(out);
    const checked = join(work, 'checked.xlsx');
    for (let round = 1; round <= 3; round++) {
      rmSync(checked, { force: true });
      let cpu = process.cpuUsage();
      let started = performance.now();
      await copyCheckedXlsx(source, checked, { ...DEFAULT_XLSX_LIMITS, zip: DEFAULT_ZIP_LIMITS });
      const copyMs = performance.now() - started;
      const copyCpu = cpuMs(cpu);
      cpu = process.cpuUsage();
      started = performance.now();
      let rows = 0;
      let cells = 0;
      for await (const row of args.includes('--exceljs') ? readWithExceljs(checked) : readSpreadsheet(checked, 'xlsx')) {
        rows++;
        cells += row.cells.length;
      }
      const readMs = performance.now() - started;
      const readCpu = cpuMs(cpu);
      process.stdout.write(
        `round ${round}: ${ROWS} rows (${(statSync(source).size / 1024 ** 2).toFixed(1)} MB -> ${(statSync(checked).size / 1024 ** 2).toFixed(1)} MB): ` +
          `check+copy ${copyMs.toFixed(0)} ms (CPU ${copyCpu}), read ${readMs.toFixed(0)} ms (CPU ${readCpu}; ${rows} rows, ${cells} cells), ` +
          `together ${Math.round(ROWS / ((copyMs + readMs) / 1000))} rows/s; heap ${Math.round(process.memoryUsage().rss / 1024 ** 2)} MB RSS\n`,
      );
    }
  } finally {
    if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

async function* readWithExceljs(path: string): AsyncGenerator<{ cells: unknown[] }> {
  const source = createReadStream(path);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet) yield { cells: ((row.values as unknown[]) ?? []).slice(1) };
      break;
    }
  } finally {
    source.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
