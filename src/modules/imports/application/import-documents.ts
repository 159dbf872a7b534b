import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import type { ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { invalid } from '#libs/errors/domain-error.js';
import { translate, type Language } from '#libs/i18n/i18n.js';
import { CsvStreamWriter, XlsxStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';
import { normaliseHeader } from '../domain/header-mapping.js';
import { ImportViews } from './import-views.js';

export type DocumentFormat = 'xlsx' | 'csv';
/** CSV separator: comma by default; Dutch and German Excel expect a semicolon. */
export type CsvDelimiter = ',' | ';' | '\t';

const ERRORS_HEADER: Record<Language, string> = { en: 'Errors', nl: 'Fouten' };
const PREVIOUS_ERROR_HEADERS = new Set(Object.values(ERRORS_HEADER).map(normaliseHeader));

/** The files admins download: a type's template, and an import's error file. Both are streamed. */
@Injectable()
export class ImportDocuments {
  constructor(private readonly views: ImportViews) {}

  async writeTemplate(type: ImportTypeDefinition, output: Writable, format: DocumentFormat, delimiter: CsvDelimiter = ','): Promise<void> {
    if (format === 'csv') {
      const csv = new CsvStreamWriter(output, delimiter);
      csv.start(type.columns.map((c) => c.header));
      await csv.finish();
      return;
    }
    const xlsx = new XlsxStreamWriter(
      output,
      type.columns.map((column) => ({
        header: column.header,
        mandatory: column.mandatory,
        note: `${column.mandatory ? 'Mandatory' : 'Optional'}. ${column.note}`,
        booleanValidation: column.kind === 'boolean',
        width: column.kind === 'file' ? 30 : undefined,
      })),
      { sheetName: type.key.slice(0, 31), validationRows: 5000 },
    );
    await xlsx.finish();
  }

  /**
   * The failed rows exactly as they were uploaded (same headers, same order) with a last column of
   * reasons, so the admin fixes them in place and uploads this file again.
   */
  async writeErrorFile(
    principal: Principal,
    importId: string,
    output: Writable,
    format: DocumentFormat,
    language: Language,
    delimiter: CsvDelimiter = ',',
  ): Promise<void> {
    const run = await this.views.row(principal, importId);
    if (run.failed_rows === 0) throw invalid('IMPORTS.NO_FAILED_ROWS');
    // A file that was itself an error file brings its old Errors column: leave it out, wherever it stands.
    const kept = (run.header ?? []).flatMap((h, index) => (PREVIOUS_ERROR_HEADERS.has(normaliseHeader(h)) ? [] : [index]));
    const header = [...kept.map((index) => run.header![index]), ERRORS_HEADER[language]];
    const width = kept.length;
    const cellsOf = (cells: string[]) => kept.map((index) => cells[index] ?? '');
    const explain = (errors: { code: string; params?: Record<string, string | number> }[]) =>
      errors.map((e) => translate(e.code, language, e.params ?? {})).join('; ');
    if (format === 'csv') {
      const csv = new CsvStreamWriter(output, delimiter);
      csv.start(header);
      for await (const row of this.views.failedRows(importId)) {
        if (!csv.addRow([...cellsOf(row.cells), explain(row.errors)])) await new Promise((resolve) => output.once('drain', resolve));
      }
      await csv.finish();
      return;
    }
    const xlsx = new XlsxStreamWriter(output, header.map((h) => ({ header: h })), { sheetName: 'Errors', errorColumn: width });
    for await (const row of this.views.failedRows(importId)) xlsx.addRow([...cellsOf(row.cells), explain(row.errors)]);
    await xlsx.finish();
  }
}
