import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ImportColumn, ImportMessage, ImportOptionDescription, RowChange } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { translate, type Language } from '#libs/i18n/i18n.js';
import { AppConfig } from '#libs/config/app-config.js';
import { unmappedMandatory } from '../domain/column-mapping.js';
import { isWaiting, progressPercent, type ImportStatus } from '../domain/import-lifecycle.js';
import type { ImportPreview, ImportValidation } from '../domain/import.js';
import { ImportAccess } from './import-access.js';
import { ImportColumns } from './import-columns.js';
import { ImportTypeRegistry } from './import-type-registry.js';

export interface TranslatedMessage {
  code: string;
  message: string;
  column?: string;
  params?: Record<string, string | number>;
}

export interface ImportView {
  id: string;
  type: string;
  status: ImportStatus;
  validateOnly: boolean;
  fileName: string;
  fileSize: number;
  startedBy: { id: string; name: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  counts: { total: number; validated: number; valid: number; processed: number; succeeded: number; failed: number; skipped: number; withWarnings: number };
  progressPercent: number;
  rowsPerSecond: number | null;
  failure: TranslatedMessage | null;
  warnings: TranslatedMessage[];
  retryOf: string | null;
  mode: 'import' | 'undo';
  undoOf: string | null;
  autoConfirm: boolean;
  expiresAt: string | null;
  /** Grows with every change of the import's row: the id of its Server-Sent Events. */
  version: number;
  /** The answer of a finished validate-only import (see importVerdict); null otherwise. */
  verdict: ImportVerdict | null;
}

/**
 * The answer of a validate-only import once it has ended: `likely_to_succeed` when no row failed and the
 * file was read (counts and warnings in the message), `errors_found` when a row failed or the file was
 * refused as a whole. A clean check does not mean the file is perfect, only that nothing major stops it.
 */
export interface ImportVerdict {
  outcome: 'likely_to_succeed' | 'errors_found';
  message: string;
}

export interface ImportDetailView extends ImportView {
  header: string[];
  preview:
    | (Omit<ImportPreview, 'warnings'> & { columns: ImportColumn[]; options: ImportOptionDescription[]; unmappedMandatory: string[]; warnings: TranslatedMessage[] })
    | null;
  mapping: Record<string, string | null> | null;
  options: Record<string, unknown>;
  validation: { warningGroups: { code: string; message: string; rows: number; needsConfirmation: boolean }[]; toConfirm: string[]; checkProblems: TranslatedMessage[] } | null;
  acknowledgedWarnings: string[];
}

export interface ImportRowView {
  rowNumber: number;
  status: 'valid' | 'succeeded' | 'failed' | 'skipped';
  errors: TranslatedMessage[];
  warnings: TranslatedMessage[];
  values: Record<string, string>;
  entityId: string | null;
}

/** One row of the import log as recorded: its status is any text the engine writes (new ones included). */
export interface RecordedRow {
  rowNumber: number;
  status: string;
  cells: string[];
  errors: ImportMessage[];
  warnings: ImportMessage[];
  entityId: string | null;
}

export type RowOutcomeFilter = 'valid' | 'succeeded' | 'failed' | 'skipped' | 'warnings';

/** Filters of the import overview; every one narrows (and), within what the caller may see. */
export interface ImportListFilter {
  type?: string;
  status?: ImportStatus;
  startedBy?: string;
  /** Case-insensitive substring of the starter's name as recorded on the import. */
  startedByName?: string;
  /** ISO 8601 instants: createdFrom inclusive, createdBefore exclusive. */
  createdFrom?: string;
  createdBefore?: string;
  page: number;
  pageSize: number;
}

/** A message code found on an import's rows, with how many rows carry it. */
export interface RowCodeView {
  code: string;
  kind: 'error' | 'warning';
  message: string;
  rows: number;
}

interface ImportRow {
  id: string;
  type: string;
  status: ImportStatus;
  validate_only: boolean;
  file_name: string;
  file_size: string;
  started_by: string;
  started_by_name: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  total_rows: number;
  validated_rows: number;
  valid_rows: number;
  run_rows: number;
  processed_rows: number;
  succeeded_rows: number;
  failed_rows: number;
  skipped_rows: number;
  warning_rows: number;
  failure: ImportMessage | null;
  warnings: ImportMessage[];
  retry_of: string | null;
  header: string[] | null;
  mode: 'import' | 'undo';
  undo_of: string | null;
  auto_confirm: boolean;
  status_changed_at: Date;
  validation: ImportValidation | null;
  version: string;
  total?: string;
}

interface ImportDetailRow extends ImportRow {
  preview: ImportPreview | null;
  mapping: Record<string, string | null> | null;
  options: Record<string, unknown>;
  acknowledged_warnings: string[];
}

const COLUMNS = `i.id, i.type, i.status, i.validate_only, i.file_name, i.file_size, i.started_by, i.started_by_name, i.created_at,
  i.started_at, i.finished_at, i.total_rows, i.processed_rows, i.succeeded_rows, i.failed_rows, i.skipped_rows, i.warning_rows,
  i.failure, i.warnings, i.retry_of, i.header, i.version, i.validated_rows, i.valid_rows, i.run_rows, i.mode, i.undo_of, i.auto_confirm,
  i.status_changed_at, i.validation`;

export function translateMessage(message: ImportMessage, language: Language): TranslatedMessage {
  return { code: message.code, message: translate(message.code, language, message.params ?? {}), column: message.column, params: message.params };
}

/** The import log read model: overview, one import, and its per-row results. */
@Injectable()
export class ImportViews {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly registry: ImportTypeRegistry,
    private readonly columns: ImportColumns,
    private readonly config: AppConfig,
  ) {}

  async list(principal: Principal, filter: ImportListFilter, language: Language): Promise<{ items: ImportView[]; total: number }> {
    const scope = this.access.condition(principal);
    const where = [scope.sql];
    const params: unknown[] = [...scope.params];
    if (filter.type) {
      where.push('i.type = ?');
      params.push(filter.type);
    }
    if (filter.status) {
      where.push('i.status = ?');
      params.push(filter.status);
    }
    if (filter.startedBy) {
      where.push('i.started_by = ?');
      params.push(filter.startedBy);
    }
    if (filter.startedByName) {
      // A literal substring: the LIKE wildcards in the text match themselves.
      where.push(`i.started_by_name ilike ? escape '!'`);
      params.push(`%${filter.startedByName.replace(/[!%_]/g, (c) => `!${c}`)}%`);
    }
    if (filter.createdFrom) {
      where.push('i.created_at >= ?::timestamptz');
      params.push(filter.createdFrom);
    }
    if (filter.createdBefore) {
      where.push('i.created_at < ?::timestamptz');
      params.push(filter.createdBefore);
    }
    const rows = await this.em.execute<ImportRow[]>(
      `select ${COLUMNS}, count(*) over () as total from imports i where ${where.join(' and ')}
       order by i.created_at desc, i.id limit ? offset ?`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    let total = rows.length > 0 ? Number(rows[0].total) : 0;
    if (rows.length === 0 && filter.page > 1) {
      total = Number((await this.em.execute<{ total: string }[]>(`select count(*) as total from imports i where ${where.join(' and ')}`, params))[0].total);
    }
    return { items: rows.map((row) => toView(row, language, this.expiryMs())), total };
  }

  async get(principal: Principal, importId: string, language: Language): Promise<ImportDetailView> {
    const scope = this.access.condition(principal);
    const rows = await this.em.execute<ImportDetailRow[]>(
      `select ${COLUMNS}, i.preview, i.mapping, i.options, i.acknowledged_warnings from imports i where i.id = ? and ${scope.sql}`,
      [importId, ...scope.params],
    );
    if (rows.length === 0) throw notFound('IMPORTS.IMPORT_NOT_FOUND');
    const row = rows[0];
    const view = toView(row, language, this.expiryMs());
    let preview: ImportDetailView['preview'] = null;
    if (row.preview) {
      const type = this.registry.get(row.type);
      const columns = row.preview ? (await this.columns.for(type, principal, row.options ?? {})).filter((column) => !column.refusal) : [];
      preview = {
        headers: row.preview.headers,
        sampleRows: row.preview.sampleRows,
        suggestions: row.preview.suggestions,
        columns: columns.map(({ key, header, mandatory, mandatoryOneOf, note, kind, aliases }) => ({ key, header, mandatory, mandatoryOneOf, note, kind, aliases })),
        options: type.optionDescriptions ?? [],
        unmappedMandatory: unmappedMandatory(row.preview.suggestions as never, columns).map((column) => column.header),
        warnings: row.preview.warnings.map((m) => translateMessage(m, language)),
      };
    }
    const toConfirm = row.validation?.toConfirm ?? [];
    return {
      ...view,
      header: row.header ?? [],
      preview,
      mapping: row.mapping,
      options: row.options ?? {},
      validation: row.validation
        ? {
            warningGroups: row.validation.warningGroups.map((group) => ({
              code: group.code,
              message: translate(group.code, language, {}),
              rows: group.rows,
              needsConfirmation: toConfirm.includes(group.code),
            })),
            toConfirm,
            checkProblems: row.validation.checkProblems.map((m) => translateMessage(m, language)),
          }
        : null,
      acknowledgedWarnings: row.acknowledged_warnings ?? [],
    };
  }

  private expiryMs(): number {
    return this.config.imports.waitingExpiryHours * 3_600_000;
  }

  async row(principal: Principal, importId: string): Promise<ImportRow> {
    const scope = this.access.condition(principal);
    const rows = await this.em.execute<ImportRow[]>(`select ${COLUMNS} from imports i where i.id = ? and ${scope.sql}`, [importId, ...scope.params]);
    if (rows.length === 0) throw notFound('IMPORTS.IMPORT_NOT_FOUND');
    return rows[0];
  }

  async rows(
    principal: Principal,
    importId: string,
    filter: { outcome?: RowOutcomeFilter; code?: string; page: number; pageSize: number },
    language: Language,
  ): Promise<{ items: ImportRowView[]; total: number }> {
    const run = await this.row(principal, importId);
    const where = ['r.import_id = ?'];
    const params: unknown[] = [importId];
    if (filter.outcome === 'warnings') where.push(`jsonb_array_length(r.warnings) > 0`);
    else if (filter.outcome) {
      where.push('r.status = ?');
      params.push(filter.outcome);
    }
    if (filter.code) {
      where.push(`(r.errors @> ?::jsonb or r.warnings @> ?::jsonb)`);
      const probe = JSON.stringify([{ code: filter.code }]);
      params.push(probe, probe);
    }
    const rows = await this.em.execute<{ row_number: number; status: ImportRowView['status']; errors: ImportMessage[]; warnings: ImportMessage[]; cells: string[]; entity_id: string | null; total: string }[]>(
      `select r.row_number, r.status, r.errors, r.warnings, r.cells, r.entity_id, count(*) over () as total
         from import_row_results r where ${where.join(' and ')} order by r.row_number limit ? offset ?`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    const header = run.header ?? [];
    return {
      total: rows.length > 0 ? Number(rows[0].total) : 0,
      items: rows.map((row) => ({
        rowNumber: row.row_number,
        status: row.status,
        errors: row.errors.map((m) => translateMessage(m, language)),
        warnings: row.warnings.map((m) => translateMessage(m, language)),
        values: Object.fromEntries(header.map((h, i) => [h || `Column ${i + 1}`, row.cells[i] ?? ''])),
        entityId: row.entity_id,
      })),
    };
  }

  /**
   * "Review the updated records": what each row of an import changed (its RowChange), in row order, paged.
   * Only rows that recorded a change (a run's succeeded rows of a type that supports undo); keys of a
   * change starting with `$` are the type's bookkeeping (versions, ledger entries) and are left out.
   */
  async changes(principal: Principal, importId: string, page: { page: number; pageSize: number }): Promise<{ items: ImportChangeView[]; total: number }> {
    await this.row(principal, importId);
    const rows = await this.em.execute<{ row_number: number; change: RowChange; total: string }[]>(
      `select r.row_number, r.change, count(*) over () as total
         from import_row_results r where r.import_id = ? and r.status = 'succeeded' and r.change is not null and jsonb_typeof(r.change) = 'object'
        order by r.row_number limit ? offset ?`,
      [importId, page.pageSize, (page.page - 1) * page.pageSize],
    );
    return {
      total: rows.length > 0 ? Number(rows[0].total) : 0,
      items: rows.map((row) => ({
        rowNumber: row.row_number,
        entity: row.change.entity,
        id: row.change.id,
        before: shownValues(row.change.before),
        after: shownValues(row.change.after),
      })),
    };
  }

  /**
   * The error and warning codes on an import's rows, each with the number of rows that carry it (a row
   * with the same code twice counts once): the choices of the rows' code filter. Errors first, then by rows.
   */
  async rowCodes(principal: Principal, importId: string, language: Language): Promise<RowCodeView[]> {
    await this.row(principal, importId);
    const found = await this.em.execute<{ code: string; kind: 'error' | 'warning'; rows: string }[]>(
      `select m.code, m.kind, count(distinct r.row_number) as rows
         from import_row_results r,
              lateral (select e->>'code' as code, 'error' as kind from jsonb_array_elements(r.errors) e
                       union all
                       select w->>'code', 'warning' from jsonb_array_elements(r.warnings) w) m
        where r.import_id = ? and m.code is not null
        group by m.code, m.kind
        order by m.kind, count(distinct r.row_number) desc, m.code`,
      [importId],
    );
    return found.map((entry) => ({ code: entry.code, kind: entry.kind, message: translate(entry.code, language, {}), rows: Number(entry.rows) }));
  }

  /**
   * Recorded row results in row order, a batch at a time (keyset pagination on row_number), for the
   * streamed error and results files: memory holds one batch whatever the size of the import.
   */
  async *rowResults(importId: string, filter: { status?: string; batchSize?: number } = {}): AsyncGenerator<RecordedRow> {
    const batchSize = filter.batchSize ?? 1000;
    const statusCondition = filter.status === undefined ? '' : 'and status = ?';
    const statusParams = filter.status === undefined ? [] : [filter.status];
    let after = 0;
    for (;;) {
      const batch = await this.em.fork().execute<{ row_number: number; status: string; cells: string[]; errors: ImportMessage[]; warnings: ImportMessage[]; entity_id: string | null }[]>(
        `select row_number, status, cells, errors, warnings, entity_id from import_row_results
          where import_id = ? ${statusCondition} and row_number > ? order by row_number limit ?`,
        [importId, ...statusParams, after, batchSize],
      );
      for (const row of batch) {
        yield { rowNumber: row.row_number, status: row.status, cells: row.cells, errors: row.errors, warnings: row.warnings, entityId: row.entity_id };
      }
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1].row_number;
    }
  }

  /** The column mapping the admin gave (header -> column key), to name the columns of row messages. */
  async columnMapping(importId: string): Promise<Record<string, string>> {
    const rows = await this.em.execute<{ mapping: Record<string, string | null> | null }[]>(`select mapping from imports where id = ?`, [importId]);
    const mapping = rows[0]?.mapping ?? {};
    return Object.fromEntries(Object.entries(mapping).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
}

function toView(row: ImportRow, language: Language, expiryMs: number): ImportView {
  const started = row.started_at ? new Date(row.started_at) : null;
  const finished = row.finished_at ? new Date(row.finished_at) : null;
  const durationMs = started ? (finished ?? new Date()).getTime() - started.getTime() : null;
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    validateOnly: row.validate_only,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    startedBy: { id: row.started_by, name: row.started_by_name },
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: started?.toISOString() ?? null,
    finishedAt: finished?.toISOString() ?? null,
    durationMs,
    counts: {
      total: row.total_rows,
      validated: row.validated_rows,
      valid: row.valid_rows,
      processed: row.processed_rows,
      succeeded: row.succeeded_rows,
      failed: row.failed_rows,
      skipped: row.skipped_rows,
      withWarnings: row.warning_rows,
    },
    progressPercent: progressPercent(
      row.status,
      { total: row.total_rows, validated: row.validated_rows, processed: row.processed_rows, runRows: row.run_rows },
      row.validation !== null,
    ),
    rowsPerSecond: durationMs && durationMs > 0 && row.processed_rows > 0 ? Math.round((row.processed_rows / durationMs) * 1000) : null,
    failure: row.failure ? translateMessage(row.failure, language) : null,
    warnings: (row.warnings ?? []).map((m) => translateMessage(m, language)),
    retryOf: row.retry_of,
    mode: row.mode,
    undoOf: row.undo_of,
    autoConfirm: row.auto_confirm,
    expiresAt: isWaiting(row.status) ? new Date(new Date(row.status_changed_at).getTime() + expiryMs).toISOString() : null,
    version: Number(row.version),
    verdict: importVerdict(row, language),
  };
}

export function importVerdict(
  row: Pick<ImportRow, 'id' | 'validate_only' | 'mode' | 'status' | 'total_rows' | 'valid_rows' | 'failed_rows' | 'warning_rows' | 'failure'>,
  language: Language,
): ImportVerdict | null {
  if (!row.validate_only || row.mode !== 'import') return null;
  if (row.status === 'failed') {
    const reason = row.failure ? translate(row.failure.code, language, row.failure.params ?? {}) : '';
    return { outcome: 'errors_found', message: translate('IMPORTS.VERDICT_FILE_REFUSED', language, { reason }) };
  }
  if (row.status !== 'completed' && row.status !== 'completed_with_errors') return null;
  if (row.failed_rows > 0 || row.status === 'completed_with_errors') {
    return { outcome: 'errors_found', message: translate('IMPORTS.VERDICT_ERRORS_FOUND', language, { failed: row.failed_rows, total: row.total_rows }) };
  }
  return {
    outcome: 'likely_to_succeed',
    message: translate('IMPORTS.VERDICT_LIKELY_TO_SUCCEED', language, { valid: row.valid_rows, warnings: row.warning_rows, id: row.id }),
  };
}

/** One row's change as "review the updated records" shows it. */
export interface ImportChangeView {
  rowNumber: number;
  entity: string;
  id: string;
  /** null: the row created it. */
  before: Record<string, unknown> | null;
  /** null: the row deleted it. */
  after: Record<string, unknown> | null;
}

function shownValues(values: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!values) return null;
  return Object.fromEntries(Object.entries(values).filter(([key]) => !key.startsWith('$')));
}
