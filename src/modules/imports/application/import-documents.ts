import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import type { ImportColumn, ImportMessage, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { invalid } from '#libs/errors/domain-error.js';
import { hasMessage, translate, type Language } from '#libs/i18n/i18n.js';
import { CsvStreamWriter, XlsxStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';
import { indexByKey } from '../domain/column-mapping.js';
import { normaliseHeader } from '../domain/header-mapping.js';
import { ImportTypeRegistry } from './import-type-registry.js';
import { ImportViews, type RecordedRow } from './import-views.js';

/** txt: tab-delimited text (the CSV writer with a tab, whatever the delimiter asked). */
export type DocumentFormat = 'xlsx' | 'csv' | 'txt';
/** CSV separator: comma by default; Dutch and German Excel expect a semicolon. */
export type CsvDelimiter = ',' | ';' | '\t';
/** Where and how a document is written: the stream, the file format, the language of its texts. */
export interface DocumentTarget {
  output: Writable;
  format: DocumentFormat;
  language: Language;
  delimiter: CsvDelimiter;
}

const ERRORS_HEADER: Record<Language, string> = { en: 'Errors', nl: 'Fouten' };
const PREVIOUS_ERROR_HEADERS = new Set(Object.values(ERRORS_HEADER).map(normaliseHeader));
/** The columns the results file adds around the uploaded ones. */
const RESULT_HEADERS: Record<Language, { row: string; outcome: string; errors: string; warnings: string; entity: string }> = {
  en: { row: 'Row', outcome: 'Outcome', errors: ERRORS_HEADER.en, warnings: 'Warnings', entity: 'Entity' },
  nl: { row: 'Rij', outcome: 'Resultaat', errors: ERRORS_HEADER.nl, warnings: 'Waarschuwingen', entity: 'Entiteit' },
};
const PREVIOUS_REPORT_HEADERS = new Set(Object.values(RESULT_HEADERS).flatMap((titles) => Object.values(titles).map(normaliseHeader)));

/** The files admins download: a type's template, an import's error file and its results file. All are streamed. */
@Injectable()
export class ImportDocuments {
  constructor(
    private readonly views: ImportViews,
    private readonly registry: ImportTypeRegistry,
  ) {}

  async writeTemplate(type: ImportTypeDefinition, output: Writable, format: DocumentFormat, delimiter: CsvDelimiter = ',', columns: ImportColumn[] = type.columns): Promise<void> {
    if (format === 'csv' || format === 'txt') {
      const csv = new CsvStreamWriter(output, format === 'txt' ? '\t' : delimiter);
      csv.start(columns.map((c) => c.header));
      await csv.finish();
      return;
    }
    const xlsx = new XlsxStreamWriter(
      output,
      columns.map((column) => ({
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
  async writeErrorFile(principal: Principal, importId: string, target: DocumentTarget): Promise<void> {
    const { language } = target;
    const run = await this.views.row(principal, importId);
    if (run.failed_rows === 0) throw invalid('IMPORTS.NO_FAILED_ROWS');
    // A file that was itself an error file brings its old Errors column: leave it out, wherever it stands.
    const original = keptColumns(run.header ?? [], (header) => PREVIOUS_ERROR_HEADERS.has(normaliseHeader(header)));
    const explain = (errors: ImportMessage[]) => errors.map((e) => translate(e.code, language, e.params ?? {})).join('; ');
    await writeSheet(
      target,
      { sheetName: 'Errors', header: [...original.header, ERRORS_HEADER[language]], highlight: original.header.length },
      this.views.rowResults(importId, { status: 'failed' }),
      (row) => [...original.cellsOf(row.cells), explain(row.errors)],
    );
  }

  /**
   * Every recorded row in row order: its number, the cells as uploaded under the original header, its
   * outcome, errors, warnings and the id of what it created or changed. For an import still running,
   * the rows recorded so far.
   */
  async writeResultsFile(principal: Principal, importId: string, target: DocumentTarget): Promise<void> {
    const { language } = target;
    const run = await this.views.row(principal, importId);
    const uploaded = run.header ?? [];
    // The mapping the import ran with, as stored: which column of the file each key came from.
    const indexes = indexByKey(uploaded, await this.views.columnMapping(importId));
    const mapped = new Set(indexes.values());
    // A file that was itself an error or results file brings the report columns of that file: leave
    // them out (unless the import took one as a column of its own), so they do not appear twice.
    const original = keptColumns(uploaded, (header, index) => PREVIOUS_REPORT_HEADERS.has(normaliseHeader(header)) && !mapped.has(index));
    const columnHeader = (key: string) => {
      const index = indexes.get(key);
      return (index === undefined ? undefined : uploaded[index]) || this.columnsOf(run.type).find((c) => c.key === key)?.header || key;
    };
    const explain = (messages: ImportMessage[]) =>
      messages.map((m) => `${m.column ? `${columnHeader(m.column)}: ` : ''}${translate(m.code, language, m.params ?? {})}`).join('\n');
    const titles = RESULT_HEADERS[language];
    const header = [titles.row, ...original.header, titles.outcome, titles.errors, titles.warnings, titles.entity];
    await writeSheet(target, { sheetName: 'Results', header, highlight: original.header.length + 2 }, this.views.rowResults(importId), (row) => [
      row.rowNumber,
      ...original.cellsOf(row.cells),
      outcomeText(row.status, language),
      explain(row.errors),
      explain(row.warnings),
      row.entityId ?? '',
    ]);
  }

  /** The type's columns; none when the type is no longer installed (messages then name the column key). */
  private columnsOf(typeKey: string): ImportColumn[] {
    return this.registry.all().find((type) => type.key === typeKey)?.columns ?? [];
  }
}

/** The uploaded header without the columns `dropped` picks, and the matching cells of a row. */
function keptColumns(header: string[], dropped: (header: string, index: number) => boolean): { header: string[]; cellsOf: (cells: string[]) => string[] } {
  const kept = header.flatMap((h, index) => (dropped(h, index) ? [] : [index]));
  return { header: kept.map((index) => header[index]), cellsOf: (cells) => kept.map((index) => cells[index] ?? '') };
}

/**
 * Writes one sheet, XLSX or CSV, row by row as `rows` yields them (a row's cells from `cellsOf`): the CSV waits for the response to
 * drain, and every text cell is neutralised against formulas by the writers.
 */
async function writeSheet(
  { output, format, delimiter }: DocumentTarget,
  sheet: { sheetName: string; header: string[]; highlight: number },
  rows: AsyncIterable<RecordedRow>,
  cellsOf: (row: RecordedRow) => (string | number)[],
): Promise<void> {
  if (format === 'csv' || format === 'txt') {
    const csv = new CsvStreamWriter(output, format === 'txt' ? '\t' : delimiter);
    csv.start(sheet.header);
    for await (const row of rows) {
      if (!csv.addRow(cellsOf(row))) await new Promise((resolve) => output.once('drain', resolve));
    }
    await csv.finish();
    return;
  }
  const xlsx = new XlsxStreamWriter(output, sheet.header.map((h) => ({ header: h })), { sheetName: sheet.sheetName, errorColumn: sheet.highlight });
  let written = 0;
  for await (const row of rows) {
    xlsx.addRow(cellsOf(row));
    // exceljs writes on through its zip stream whatever the response says: every hundred rows, let the zip stream
    // catch up and wait for a full response to drain, so a client that reads slowly (or not at all) holds the
    // rows in its socket, not in this process's memory. A client that left ends the file here.
    if (++written % 100 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (output.writableNeedDrain) await drainedOrClosed(output);
      if (output.destroyed) return;
    }
  }
  await xlsx.finish();
}

function drainedOrClosed(output: DocumentTarget['output']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      output.off('drain', done);
      output.off('close', done);
      resolve();
    };
    output.once('drain', done);
    output.once('close', done);
  });
}

/** A row status as text: `IMPORTS.ROW_STATUS_<STATUS>`, so a new status reads well once its text exists. */
export function outcomeText(status: string, language: Language): string {
  const key = `IMPORTS.ROW_STATUS_${status.toUpperCase()}`;
  return /^[a-z_]+$/.test(status) && hasMessage(key, 'en') ? translate(key, language) : status;
}
