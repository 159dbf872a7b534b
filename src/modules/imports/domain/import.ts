import { randomUUID } from 'node:crypto';
import type { ImportFileKind, ImportMessage } from '#libs/contracts/imports/index.js';
import { conflict } from '#libs/errors/domain-error.js';
import { canCancel, type ImportStatus } from './import-lifecycle.js';

/**
 * One run of an import type over one file. Its lifecycle starts here (queued) and can be cancelled
 * here; progress counters are advanced by the engine with atomic SQL increments as chunks commit,
 * because many workers update them at once.
 */
export class Import {
  id: string;
  type: string;
  status: ImportStatus;
  validateOnly: boolean;
  options: Record<string, unknown>;
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
  finishedAt: Date | null;
  header: string[] | null;
  totalRows: number;
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
    options: Record<string, unknown>;
    file: { name: string; kind: ImportFileKind; key: string; size: number };
    startedBy: { id: string; name: string; language: string };
    retryOf?: string | null;
  }): Import {
    const run = new Import();
    run.id = randomUUID();
    run.type = input.type;
    run.status = 'queued';
    run.validateOnly = input.validateOnly;
    run.options = input.options;
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
    run.finishedAt = null;
    run.header = null;
    run.totalRows = 0;
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

  /** Stops a running import: chunks that already committed stay, the rest is not processed. */
  cancel(): void {
    if (!canCancel(this.status)) throw conflict('IMPORTS.NOT_CANCELLABLE', { status: this.status });
    this.status = 'cancelled';
    this.finishedAt = new Date();
  }
}

/** File kind from the name the admin gave the upload. */
export function fileKindOf(fileName: string): ImportFileKind | undefined {
  const extension = fileName.toLowerCase().split('.').pop();
  if (extension === 'xlsx') return 'xlsx';
  if (extension === 'csv' || extension === 'txt') return 'csv';
  if (extension === 'zip') return 'zip';
  return undefined;
}
