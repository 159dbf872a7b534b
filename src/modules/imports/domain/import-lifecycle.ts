export const IMPORT_STATUSES = [
  'queued',
  'awaiting_mapping',
  'validating',
  'awaiting_confirmation',
  'processing',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'expired',
] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type FinalStatus = Extract<ImportStatus, 'completed' | 'completed_with_errors' | 'failed' | 'cancelled' | 'expired'>;

/** A worker has something to do: read the preview, stage and validate the rows, run them. */
export const WORKING_STATUSES: ImportStatus[] = ['queued', 'validating', 'processing'];
/** The import waits for its admin: a mapping, or a confirmation. These expire. */
export const WAITING_STATUSES: ImportStatus[] = ['awaiting_mapping', 'awaiting_confirmation'];
/** Ended: nothing moves it any more. */
export const FINAL_STATUSES: ImportStatus[] = ['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'];
/** Not ended yet: its upload, staged rows and attachments are kept. */
export const RUNNING_STATUSES: ImportStatus[] = [...WORKING_STATUSES, ...WAITING_STATUSES];

/**
 * Every allowed move of an import, and nothing else. The repository turns each into one guarded UPDATE
 * (`where status in (<from>)`), so two processes racing (a cancel and a last chunk) cannot both win.
 */
const TRANSITIONS: Record<ImportStatus, ImportStatus[]> = {
  queued: ['awaiting_mapping', 'validating', 'failed', 'cancelled'],
  awaiting_mapping: ['validating', 'cancelled', 'expired'],
  validating: ['awaiting_confirmation', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled'],
  awaiting_confirmation: ['processing', 'cancelled', 'expired'],
  processing: ['completed', 'completed_with_errors', 'failed', 'cancelled'],
  completed: [],
  completed_with_errors: [],
  failed: [],
  cancelled: [],
  expired: [],
};

export function canMove(from: ImportStatus, to: ImportStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses an import may be in to move to `to`. */
export function statusesBefore(to: ImportStatus): ImportStatus[] {
  return IMPORT_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

export function isRunning(status: ImportStatus): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function isWaiting(status: ImportStatus): boolean {
  return WAITING_STATUSES.includes(status);
}

export function canCancel(status: ImportStatus): boolean {
  return canMove(status, 'cancelled');
}

/** How a fully processed import ends: any failed row makes it "completed with errors". */
export function finalStatusFor(counts: { failedRows: number }): FinalStatus {
  return counts.failedRows > 0 ? 'completed_with_errors' : 'completed';
}

/**
 * Progress in percent for the progress bar. Reading the file is the first 5 %; with a validation pass
 * (confirm flow) validation fills 5–50 % and the run 50–99 %; a run straight after reading fills 5–99 %.
 */
export function progressPercent(
  status: ImportStatus,
  counts: { total: number; validated: number; processed: number; runRows: number },
  validatedFirst: boolean,
): number {
  if (!isRunning(status)) return 100;
  if (status === 'queued' || status === 'awaiting_mapping') return 0;
  if (status === 'awaiting_confirmation') return 50;
  const share = (done: number, of: number) => (of === 0 ? 0 : Math.min(1, done / of));
  if (status === 'validating') {
    const span = validatedFirst ? 45 : 94;
    return Math.min(99, 5 + Math.floor(share(counts.validated, counts.total) * span));
  }
  const base = validatedFirst ? 50 : 5;
  return Math.min(99, base + Math.floor(share(counts.processed, counts.runRows) * (99 - base)));
}
