export const IMPORTS_QUEUE = 'imports';

/** Read the header and the first rows (the preview). */
export interface PreviewJob {
  importId: string;
}

/** Read the whole file once and stage its rows in PostgreSQL, then plan the chunks. */
export interface StageJob {
  importId: string;
}

export type ChunkPass = 'validate' | 'run';

/** A planned range of staged rows (by staging sequence) for one pass; the rows themselves stay in PostgreSQL. */
export interface ChunkJob {
  importId: string;
  pass: ChunkPass;
  chunk: number;
  firstSeq: number;
  lastSeq: number;
}

export const previewJobId = (importId: string) => `${importId}:preview`;
export const stageJobId = (importId: string) => `${importId}:stage`;
export const chunkJobId = (importId: string, pass: ChunkPass, chunk: number) => `${importId}:${pass}:${chunk}`;

export const READ_JOB_OPTIONS = { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 1000 } as const;
export const CHUNK_JOB_OPTIONS = { attempts: 10, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 1000 } as const;
