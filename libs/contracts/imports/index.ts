import { SetMetadata } from '@nestjs/common';
import { defineEvent } from '../integration-event.js';
import type { Principal } from '../users/principal.js';

/**
 * The seam between the import engine and the modules that own the data. A module declares an import
 * type (columns, template, permission, and how a chunk of rows becomes its own commands) as a provider
 * decorated with @ImportTypeProvider(); the engine discovers it and knows nothing else about it.
 */
export const IMPORT_TYPE = Symbol('import-type');
export const ImportTypeProvider = () => SetMetadata(IMPORT_TYPE, true);

export type ImportFileKind = 'xlsx' | 'csv' | 'zip';

export interface ImportColumn {
  /** Stable key used in options and row values (`userCode`). */
  key: string;
  /** Header in the template and error file (`User Code`). */
  header: string;
  /** Other headers accepted for this column (Dutch exports, older templates); compared case-insensitively. */
  aliases?: string[];
  mandatory: boolean;
  /** Explanation shown as the header note in the template. */
  note: string;
  /** Template width hint; TRUE/FALSE drop-down for boolean columns. */
  kind: 'text' | 'date' | 'boolean' | 'file';
  /** Longer values fail the row with a clear message. */
  maxLength?: number;
}

/** A message about a row or an import: a stable message key plus parameters, translated when shown. */
export interface ImportMessage {
  code: string;
  params?: Record<string, string | number>;
  /** The column key the message is about, if any. */
  column?: string;
}

export interface RawImportRow {
  rowNumber: number;
  /** Cell text per column key: trimmed NFC text, dates from date cells as YYYY-MM-DD, '' when empty. */
  values: Record<string, string>;
}

export type RowStatus = 'succeeded' | 'failed' | 'skipped';

export interface RowOutcome {
  rowNumber: number;
  status: RowStatus;
  errors: ImportMessage[];
  warnings: ImportMessage[];
  /** Id of what the row created or changed, for the log. */
  entityId?: string;
}

export interface ImportedFile {
  name: string;
  storageKey: string;
  size: number;
  /** From the file's bytes; null when they are not a PDF, PNG or JPEG. */
  mediaType: string | null;
}

/** Attachments of a ZIP import, looked up for one chunk at a time. */
export interface ImportFiles {
  /** The file with exactly this name, or a near miss (case or Unicode normalisation) to suggest. */
  find(name: string): { file?: ImportedFile; suggestion?: string };
  /** Marks a file as referenced by a row (unreferenced files are reported at the end). */
  markUsed(name: string): void;
}

export interface ImportChunkContext {
  importId: string;
  /** The admin who started the import: scope and permissions are theirs. */
  principal: Principal;
  validateOnly: boolean;
  options: Record<string, unknown>;
  files: ImportFiles;
  /** Today's date (YYYY-MM-DD) as the engine sees it, for defaults. */
  today: string;
}

export interface ImportTypeDefinition {
  key: string;
  /** Permission needed to run it, `imports.<key>`. */
  permission: string;
  title: string;
  description: string;
  fileKinds: ImportFileKind[];
  templateFileName: string;
  columns: ImportColumn[];
  /**
   * Rows per chunk when smaller than the configured IMPORT_CHUNK_SIZE: types whose rows carry more
   * (an attachment each) keep a worker's memory flat with smaller chunks.
   */
  maxChunkSize?: number;
  /**
   * Turns a chunk of rows into the owning module's commands, sent on the CommandBus. The engine runs it
   * inside one transaction and request context: handlers persist through the injected EntityManager,
   * and the engine flushes once for the chunk (and rolls it back in a validate-only run). Return one
   * outcome per row. Lookups must be batched per chunk (one query for all user codes, etc.).
   */
  processChunk(rows: RawImportRow[], context: ImportChunkContext): Promise<RowOutcome[]>;
}

export interface ImportCompletedPayload {
  importId: string;
  type: string;
  status: 'completed' | 'completed_with_errors' | 'failed' | 'cancelled';
  validateOnly: boolean;
  startedBy: string;
  startedByLanguage: string;
  fileName: string;
  totalRows: number;
  succeededRows: number;
  failedRows: number;
  skippedRows: number;
  warningRows: number;
  startedAt: string;
  finishedAt: string;
}

export class ImportCompleted extends defineEvent<ImportCompletedPayload>('imports.import-completed.v1') {}

export interface ImportStartedPayload {
  importId: string;
  type: string;
  validateOnly: boolean;
}

/** Internal to the import engine but durable: the outbox hands it to a worker, which starts parsing. */
export class ImportStarted extends defineEvent<ImportStartedPayload>('imports.import-started.v1') {}
