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

/** A reader in the table-reader registry (xlsx, csv, txt, xml) or `zip` (one sheet plus attachments). */
export type ImportFileKind = string;

export interface ImportColumn {
  /** Stable key used in options and row values (`userCode`). */
  key: string;
  /** Header in the template and error file (`User Code`). */
  header: string;
  /** Other headers accepted for this column (Dutch exports, older templates); compared case-insensitively. */
  aliases?: string[];
  mandatory: boolean;
  /**
   * Columns with the same name here form a group of which at least one must be mapped (a credential is matched
   * by its id, its recipient id or its email): a mapping without any is refused (IMPORTS.MISSING_ONE_OF_COLUMNS).
   */
  mandatoryOneOf?: string;
  /** Explanation shown as the header note in the template. */
  note: string;
  /** Template width hint; TRUE/FALSE drop-down for boolean columns. */
  kind: 'text' | 'date' | 'boolean' | 'file';
  /** Longer values fail the row with a clear message. */
  maxLength?: number;
  /**
   * A key of the row (email, credential id): checked across the whole file before any row is validated;
   * every occurrence of a value given twice fails, naming the other rows. Compared case-insensitively.
   */
  unique?: boolean;
  /**
   * A column this principal sees but may not map (a profile field that is not open for import, a date):
   * never suggested, and a mapping that names it is refused (400) with this message, which says why
   * (`header` and `column` are added to its params).
   */
  refusal?: ImportMessage;
}

/** A key made of several columns of a row (ImportTypeDefinition.keys). */
export interface ImportCompositeKey {
  /** The column keys, in order. */
  columns: string[];
  /**
   * Columns that may be empty: an empty cell is then part of the key (user + type without a number). A row
   * with any other of the columns empty takes no part (it fails for that anyway).
   */
  optional?: string[];
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
  /** Line in the file where the row starts, when the reader knows it (XML records). */
  line?: number;
  /** Cell text per column key: trimmed NFC text, dates from date cells as YYYY-MM-DD, '' when empty. */
  values: Record<string, string>;
  /** What an XLSX says about the row besides its values; absent when there is nothing to say. */
  sheet?: SheetRowFacts;
}

/** Facts of a spreadsheet row that are not values; the engine turns them into row errors and warnings. */
export interface SheetRowFacts {
  /** The row is hidden in the sheet. */
  hidden?: boolean;
  /** Column keys whose cell holds a formula without a cached value (the file was never recalculated and saved). */
  formulaWithoutValue?: string[];
  /** Column keys whose cell is in a merged range but not its first cell: it reads empty, while the sheet shows the range's value. */
  merged?: string[];
}

export type RowStatus = 'succeeded' | 'failed' | 'skipped';

/** What a row changed, recorded for undo: the entity, its id, and its state before and after. */
export interface RowChange {
  entity: string;
  id: string;
  /** null: the row created it. */
  before: Record<string, unknown> | null;
  /** null: the row deleted it. */
  after: Record<string, unknown> | null;
}

export interface RowOutcome {
  rowNumber: number;
  status: RowStatus;
  errors: ImportMessage[];
  warnings: ImportMessage[];
  /** Id of what the row created or changed, for the log. */
  entityId?: string;
  /** What the row changed, for undo (types that support undo). */
  change?: RowChange;
}

/** A row of a completed import that changed something, handed to the type's undo. */
export interface UndoRow {
  rowNumber: number;
  change: RowChange;
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
  /** The validation pass: every write is rolled back after the chunk; outcomes say what would happen. */
  validateOnly: boolean;
  options: Record<string, unknown>;
  files: ImportFiles;
  /** Today's date (YYYY-MM-DD) as the engine sees it, for defaults. */
  today: string;
  /** The run: the warning codes the admin acknowledged at confirm (empty in validation). */
  acknowledgedWarnings?: readonly string[];
  /**
   * The run after a validation pass: what validation recorded per row number (its warnings, and, for a type
   * with `keepsValidationChange`, the change it foresaw), so that a type can refuse a row whose entity or
   * plan moved since the admin confirmed what validation showed.
   */
  validated?: ReadonlyMap<number, { warnings: ImportMessage[]; change: RowChange | null }>;
}

/** What validation found, for a type's import-level check before the run. */
export interface ValidatedImport {
  importId: string;
  principal: Principal;
  options: Record<string, unknown>;
  /** Rows that passed validation and will run. */
  validRows: number;
  /** Rows (valid or not) per warning code. */
  warningCounts: Record<string, number>;
  /** The valid rows with their warnings, in row order, streamed from the import log. */
  rows(): AsyncIterable<{ row: RawImportRow; warnings: ImportMessage[] }>;
}

/** One option a type accepts, as admins and UIs see it (the type's optionsClass is what checks it). */
export interface ImportOptionDescription {
  key: string;
  kind: 'boolean' | 'string' | 'integer' | 'uuid' | 'string-list' | 'uuid-list';
  /** For a string option with fixed values. */
  values?: string[];
  required: boolean;
  description: string;
}

/** The mapping step: which columns an admin may map for these options, and how options are checked. */
export interface ImportOptionsSupport {
  /** The options this type accepts, described for the preview and GET /api/import-types. */
  optionDescriptions?: ImportOptionDescription[];
  /**
   * A class-validator class for the options (whitelisted, unknown properties refused). The API checks
   * options against it before any work is queued.
   */
  optionsClass?: new () => object;
  /**
   * Permission and scope checks of the options for this principal (which groups, which roles): throw a
   * DomainError (400/403). Runs in the API when the mapping is set, and for auto-confirmed uploads.
   */
  checkOptions?(principal: Principal, options: Record<string, unknown>): Promise<void>;
}

export interface ImportTypeDefinition extends ImportOptionsSupport {
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
   * Whether this principal may use the type at all right now, beyond holding its permission (a platform
   * setting that switches it on for group admins). Unavailable types are not listed, and their template,
   * upload, mapping, confirm and chunks are refused with IMPORTS.TYPE_SWITCHED_OFF (403). Default: available.
   */
  availableTo?(principal: Principal): Promise<boolean>;
  /** The columns this principal may map with these options (profile fields open for import, a group's attributes). Default: `columns`. */
  columnsFor?(principal: Principal, options: Record<string, unknown>): Promise<ImportColumn[]>;
  /** For XML files: the record element and the field elements (in column order); their names are the headers. */
  xml?: { recordElement: string; fields: string[] };
  /** Stop after validation unless the upload says validateOnly=false (the licences type). */
  validateOnlyByDefault?: boolean;
  /**
   * Keys of several columns (user + licence type + number), checked across the whole file at staging like
   * a `unique` column: every occurrence of a combination given twice fails with IMPORTS.DUPLICATE_COMPOSITE_KEY,
   * naming the other rows, so validation reports it too. Compared trimmed and without case (PostgreSQL lower()).
   */
  keys?: ImportCompositeKey[];
  /** Warning codes the admin must acknowledge before the run (POST /confirm acknowledgedWarnings). */
  warningsToConfirm?: readonly string[];
  /**
   * Each entity may be changed by one row of a file (a credential update): after validation, rows that
   * passed and name the same `entityId` as another valid row fail, every occurrence, naming the other rows
   * (IMPORTS.SAME_ENTITY_TWICE). Catches what a key column cannot: two rows that reach the same record
   * through different keys, in different chunks.
   */
  oneRowPerEntity?: boolean;
  /**
   * The RowChange a validation pass foresees for a valid row is kept with the row (never shown as a change,
   * never undone) and handed back to the run in `context.validated`: the type compares what it saw (a version)
   * with what it finds at run.
   */
  keepsValidationChange?: boolean;
  /**
   * An import-level check over the validated rows before the run ("37 renewals need 37 credits; you have
   * 20"): problems stop the run (the import waits, and confirm answers 409 naming them). Runs after
   * validation and again at confirm.
   */
  checkBeforeRun?(validated: ValidatedImport): Promise<ImportMessage[]>;
  /**
   * Reverts rows of a completed import through the type's own commands, in one transaction per chunk.
   * A row whose entity changed since the import is not reverted: return it `skipped` with a warning.
   * Types without it cannot be undone.
   */
  undoChunk?(rows: UndoRow[], context: ImportChunkContext): Promise<RowOutcome[]>;
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
  status: 'completed' | 'completed_with_errors' | 'failed' | 'cancelled' | 'expired';
  validateOnly: boolean;
  /** 'undo': this run reverted another import (undoOf). */
  mode: 'import' | 'undo';
  undoOf: string | null;
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

export interface ImportAdvancedPayload {
  importId: string;
  /** The status the import moved to (validating after a mapping, processing after a confirm, ...). */
  status: string;
}

/** Internal to the engine: an admin moved an import on (mapping set, confirmed, undo asked); a worker takes it up. */
export class ImportAdvanced extends defineEvent<ImportAdvancedPayload>('imports.import-advanced.v1') {}
