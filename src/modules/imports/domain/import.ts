import { randomUUID } from 'node:crypto';
import type { ImportFileKind, ImportMessage } from '#libs/contracts/imports/index.js';
import { conflict, DomainError } from '#libs/errors/domain-error.js';
import { canCancel, type ImportStatus } from './import-lifecycle.js';

export type ImportMode = 'import' | 'undo';

/** The preview an import waits with in awaiting_mapping: what the admin maps. */
export interface ImportPreview {
  headers: string[];
  sampleRows: string[][];
  suggestions: { header: string; index: number; key: string | null; confidence: number; reason: string }[];
  /** Readers' and the file's remarks (a wrapping folder in the ZIP, ignored system files). */
  warnings: ImportMessage[];
}

/** What validation found, shown in awaiting_confirmation and checked by confirm. */
export interface ImportValidation {
  /** Warning codes with how many rows carry them. */
  warningGroups: { code: string; rows: number }[];
  /** The codes among them that must be acknowledged before the run. */
  toConfirm: string[];
  /** The type's import-level check: problems that stop the run. */
  checkProblems: ImportMessage[];
}

/**
 * One run of an import type over one file, and the owner of its lifecycle (import-lifecycle.ts holds
 * the allowed moves). Decisions an admin takes (mapping, confirm, cancel, undo) are methods here; the
 * repository (ImportRepository) writes each move as one guarded UPDATE, because workers advance the
 * same row concurrently (counters as chunks commit, the end with the last chunk).
 */
export class Import {
  id: string;
  type: string;
  mode: ImportMode;
  undoOf: string | null;
  status: ImportStatus;
  validateOnly: boolean;
  autoConfirm: boolean;
  options: Record<string, unknown>;
  mapping: Record<string, string | null> | null;
  preview: ImportPreview | null;
  validation: ImportValidation | null;
  acknowledgedWarnings: string[];
  fileName: string;
  fileKind: ImportFileKind;
  fileKey: string;
  fileSize: number;
  startedBy: string;
  startedByName: string;
  startedByLanguage: string;
  createdAt: Date;
  startedAt: Date | null;
  parsedAt: Date | null;
  stagedAt: Date | null;
  confirmedAt: Date | null;
  finishedAt: Date | null;
  header: string[] | null;
  totalRows: number;
  validatedRows: number;
  validRows: number;
  runRows: number;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  skippedRows: number;
  warningRows: number;
  chunkCount: number | null;
  chunksDone: number;
  failure: ImportMessage | null;
  warnings: ImportMessage[];
  retryOf: string | null;

  static queue(input: {
    type: string;
    validateOnly: boolean;
    autoConfirm?: boolean;
    options: Record<string, unknown>;
    mapping?: Record<string, string | null> | null;
    file: { name: string; kind: ImportFileKind; key: string; size: number };
    startedBy: { id: string; name: string; language: string };
    retryOf?: string | null;
  }): Import {
    const run = new Import();
    run.id = randomUUID();
    run.type = input.type;
    run.mode = 'import';
    run.undoOf = null;
    run.status = 'queued';
    run.validateOnly = input.validateOnly;
    run.autoConfirm = input.autoConfirm ?? false;
    run.options = input.options;
    run.mapping = input.mapping ?? null;
    run.preview = null;
    run.validation = null;
    run.acknowledgedWarnings = [];
    run.fileName = input.file.name;
    run.fileKind = input.file.kind;
    run.fileKey = input.file.key;
    run.fileSize = input.file.size;
    run.startedBy = input.startedBy.id;
    run.startedByName = input.startedBy.name;
    run.startedByLanguage = input.startedBy.language;
    run.createdAt = new Date();
    run.startedAt = null;
    run.parsedAt = null;
    run.stagedAt = null;
    run.confirmedAt = null;
    run.finishedAt = null;
    run.header = null;
    run.totalRows = 0;
    run.validatedRows = 0;
    run.validRows = 0;
    run.runRows = 0;
    run.processedRows = 0;
    run.succeededRows = 0;
    run.failedRows = 0;
    run.skippedRows = 0;
    run.warningRows = 0;
    run.chunkCount = null;
    run.chunksDone = 0;
    run.failure = null;
    run.warnings = [];
    run.retryOf = input.retryOf ?? null;
    return run;
  }

  /** The mapping and options an admin chose, checked by the caller (columns, options schema, scope). */
  acceptMapping(mapping: Record<string, string | null>, options: Record<string, unknown>): void {
    this.expect('awaiting_mapping', 'IMPORTS.NOT_AWAITING_MAPPING');
    this.mapping = mapping;
    this.options = options;
    this.status = 'validating';
  }

  /**
   * Confirms the run after validation. Refused while a warning that needs confirming is not acknowledged,
   * or while the import-level check fails (409 naming what).
   */
  confirm(acknowledged: string[], checkProblems: ImportMessage[]): void {
    this.expect('awaiting_confirmation', 'IMPORTS.NOT_AWAITING_CONFIRMATION');
    const missing = (this.validation?.toConfirm ?? []).filter((code) => !acknowledged.includes(code));
    if (missing.length > 0) throw conflict('IMPORTS.WARNINGS_NOT_ACKNOWLEDGED', { codes: missing.join(', ') });
    if (checkProblems.length > 0) {
      throw new DomainError(
        'IMPORTS.CHECK_BEFORE_RUN_FAILED',
        'conflict',
        { count: checkProblems.length, codes: checkProblems.map((problem) => problem.code).join(', ') },
        checkProblems.map((problem) => ({ code: problem.code, params: problem.params })),
      );
    }
    this.acknowledgedWarnings = [...new Set(acknowledged)];
    this.status = 'processing';
    this.runRows = this.validRows;
    this.chunksDone = 0;
    this.confirmedAt = new Date();
  }

  /** Stops the import: chunks that already committed stay, the rest is not processed. */
  cancel(): void {
    if (!canCancel(this.status)) throw conflict('IMPORTS.NOT_CANCELLABLE', { status: this.status });
    this.status = 'cancelled';
    this.finishedAt = new Date();
  }

  /** An undo of this import: a run of its own over the rows that recorded a change. */
  undo(by: { id: string; name: string; language: string }, supportsUndo: boolean): Import {
    if (!supportsUndo) throw conflict('IMPORTS.UNDO_NOT_SUPPORTED', { type: this.type });
    // A run that wrote rows can be undone once it has ended, also when it was cancelled or failed halfway.
    const ended = ['completed', 'completed_with_errors', 'cancelled', 'failed'].includes(this.status);
    if (this.mode !== 'import' || this.validateOnly || !ended || this.confirmedAt === null) {
      throw conflict('IMPORTS.NOT_UNDOABLE', { status: this.status });
    }
    const undo = Import.queue({
      type: this.type,
      validateOnly: false,
      autoConfirm: true,
      options: this.options,
      mapping: this.mapping,
      // An undo reads the row log, never the upload: it holds no file (nor quota, nor the upload's life).
      file: { name: this.fileName, kind: this.fileKind, key: '', size: 0 },
      startedBy: by,
    });
    undo.mode = 'undo';
    undo.undoOf = this.id;
    undo.status = 'validating';
    undo.header = this.header;
    return undo;
  }

  private expect(status: ImportStatus, code: string): void {
    if (this.status !== status) throw conflict(code, { status: this.status });
  }
}

