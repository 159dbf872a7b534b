import { Injectable } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppConfig } from '#libs/config/app-config.js';
import type { ImportMessage, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import { isLegacyExcelName } from '#libs/spreadsheet/legacy-excel.js';
import { tableReaders, type MergedRange, type TableRow } from '#libs/spreadsheet/table-readers.js';
import { copyCheckedXlsx, DEFAULT_XLSX_LIMITS, type XlsxLimits } from '#libs/spreadsheet/xlsx-guard.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { DEFAULT_ZIP_LIMITS, SafeZip, type ZipFileEntry, type ZipLimits } from '#libs/zip/safe-zip.js';
import type { Import } from '../../domain/import.js';

/** A problem with the file as a whole: the import fails with this message and writes nothing. */
export class ImportRejected extends Error {
  constructor(readonly problem: ImportMessage) {
    super(problem.code);
    this.name = 'ImportRejected';
  }
}

/** The table of an import's file, opened for reading: its rows, and for a ZIP the other entries. */
export interface OpenedTable {
  /** The rows; an XLSX's merged ranges go to `onMergedRanges` once the last row was read. */
  rows(maxRows?: number, onMergedRanges?: (ranges: MergedRange[]) => void): AsyncGenerator<TableRow>;
  /** Remarks about the file as a whole (a wrapping folder, ignored system files). */
  warnings: ImportMessage[];
  /** For a ZIP: the archive (open while the callback runs) and its entries other than the sheet. */
  zip?: { archive: SafeZip; attachments: ZipFileEntry[] };
}

/** Spreadsheet kinds a ZIP may carry as its sheet (not .txt: a ZIP of certificates may well hold a readme). */
const SHEET_IN_ZIP = /\.(xlsx|csv)$/i;

/**
 * Opens an import's stored file for reading, whatever its kind: a reader from the table-reader registry,
 * or a ZIP holding one sheet plus attachments. XLSX files are read from a checked copy (exceljs unpacks
 * without limits); a ZIP is checked entry by entry (safe-zip) before anything is unpacked.
 */
@Injectable()
export class ImportSource {
  constructor(
    private readonly storage: StoragePort,
    private readonly config: AppConfig,
  ) {}

  async open<T>(run: Import, type: ImportTypeDefinition, use: (table: OpenedTable) => Promise<T>): Promise<T> {
    // Collected meanwhile (a validation run for real after its upload expired): say so, not "unexpected".
    if (!(await this.storage.exists(run.fileKey))) {
      throw new ImportRejected({ code: 'IMPORTS.UPLOAD_EXPIRED', params: { days: this.config.imports.uploadRetentionDays } });
    }
    return this.storage.withLocalFile(run.fileKey, (path) =>
      run.fileKind === 'zip' ? this.openZip(run, type, path, use) : this.openTable(run, type, path, run.fileKind, [], use),
    );
  }

  private async openZip<T>(run: Import, type: ImportTypeDefinition, path: string, use: (table: OpenedTable) => Promise<T>): Promise<T> {
    const zip = await SafeZip.open(path, this.zipLimits());
    const sheetPath = join(this.tmp(), `import-${run.id}-sheet`);
    try {
      const { files, ignored, wrappingFolder } = zip.listing;
      const nested = files.filter((file) => file.relativePath.includes('/'));
      if (nested.length > 0) {
        throw new ImportRejected({ code: 'IMPORTS.FILES_IN_SUBFOLDERS', params: { paths: listOf(nested.map((f) => f.path)) } });
      }
      const sheets = files.filter((file) => SHEET_IN_ZIP.test(file.relativePath));
      if (sheets.length === 0) {
        const legacy = files.find((file) => isLegacyExcelName(file.relativePath));
        throw new ImportRejected(legacy ? { code: 'IMPORTS.LEGACY_XLS', params: { fileName: legacy.relativePath } } : { code: 'IMPORTS.NO_SPREADSHEET_IN_ZIP' });
      }
      if (sheets.length > 1) {
        throw new ImportRejected({ code: 'IMPORTS.SEVERAL_SPREADSHEETS_IN_ZIP', params: { count: sheets.length, names: listOf(sheets.map((s) => s.relativePath)) } });
      }
      const warnings: ImportMessage[] = [];
      if (wrappingFolder) warnings.push({ code: 'IMPORTS.WRAPPING_FOLDER', params: { folder: wrappingFolder } });
      if (ignored.length > 0) warnings.push({ code: 'IMPORTS.IGNORED_SYSTEM_FILES', params: { count: ignored.length } });
      await mkdir(this.tmp(), { recursive: true });
      await pipeline(await zip.openFile(sheets[0]), createWriteStream(sheetPath));
      const kind = tableReaders.kindOfFileName(sheets[0].relativePath) ?? 'csv';
      return await this.openTable(run, type, sheetPath, kind, warnings, (table) =>
        use({ ...table, zip: { archive: zip, attachments: files.filter((file) => file !== sheets[0]) } }),
      );
    } finally {
      zip.close();
      await rm(sheetPath, { force: true });
    }
  }

  private async openTable<T>(run: Import, type: ImportTypeDefinition, path: string, kind: string, warnings: ImportMessage[], use: (table: OpenedTable) => Promise<T>): Promise<T> {
    const reader = tableReaders.get(kind);
    const limits = { maxColumns: this.config.imports.maxColumns, maxRowBytes: this.config.imports.maxRowBytes };
    const tableAt = (at: string): OpenedTable => ({
      warnings,
      rows: (maxRows, onMergedRanges) => reader.read(at, { limits, xml: type.xml, maxRows, onMergedRanges }),
    });
    if (kind !== 'xlsx') return use(tableAt(path));
    const checkedPath = join(this.tmp(), `import-${run.id}-checked.xlsx`);
    await mkdir(this.tmp(), { recursive: true });
    try {
      await copyCheckedXlsx(path, checkedPath, this.xlsxLimits());
      return await use(tableAt(checkedPath));
    } finally {
      await rm(checkedPath, { force: true });
    }
  }

  private tmp(): string {
    return join(this.config.dataDir, 'tmp');
  }

  zipLimits(): ZipLimits {
    const limits = this.config.imports;
    return { maxEntries: limits.zipMaxEntries, maxTotalUncompressedBytes: limits.zipMaxUncompressedBytes, maxCompressionRatio: limits.zipMaxCompressionRatio };
  }

  private xlsxLimits(): XlsxLimits {
    const imports = this.config.imports;
    return {
      ...DEFAULT_XLSX_LIMITS,
      // The entry limit is about attachments in an import ZIP; a workbook's parts are not attachments.
      zip: { ...this.zipLimits(), maxEntries: DEFAULT_ZIP_LIMITS.maxEntries },
      maxSharedStringsBytes: imports.xlsxMaxSharedStringsBytes,
      maxRowBytes: imports.maxRowBytes,
    };
  }
}

export function listOf(items: string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} (+${items.length - max} more)` : items.join(', ');
}
