import type { ImportMessage, RawImportRow } from '#libs/contracts/imports/index.js';

export const IMPORTS_QUEUE = 'imports';

/** A row as it travels to its chunk job: the column values, the original cells, and what parsing found. */
export interface ChunkRow {
  row: RawImportRow;
  cells: string[];
  /** Problems found while reading (too long, not a boolean): the row fails without reaching its type. */
  errors: ImportMessage[];
  /** Row number of an identical earlier row: this one is skipped. */
  duplicateOf?: number;
}

export interface ParseJob {
  importId: string;
}

export interface ChunkJob {
  importId: string;
  chunk: number;
  rows: ChunkRow[];
}

export const parseJobId = (importId: string) => `${importId}:parse`;
export const chunkJobId = (importId: string, chunk: number) => `${importId}:${chunk}`;

/** Chunk jobs wait (delayed) until parsing has checked the whole file, so a bad file writes nothing. */
export const HELD_BACK_MS = 7 * 24 * 3600 * 1000;
