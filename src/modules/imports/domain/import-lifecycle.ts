export const IMPORT_STATUSES = ['queued', 'validating', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type FinalStatus = Extract<ImportStatus, 'completed' | 'completed_with_errors' | 'failed' | 'cancelled'>;

export const RUNNING_STATUSES: ImportStatus[] = ['queued', 'validating', 'processing'];

export function isRunning(status: ImportStatus): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function canCancel(status: ImportStatus): boolean {
  return isRunning(status);
}

/** How a fully processed import ends: any failed row makes it "completed with errors". */
export function finalStatusFor(counts: { failedRows: number }): FinalStatus {
  return counts.failedRows > 0 ? 'completed_with_errors' : 'completed';
}

/** Progress in percent for the progress bar: parsing counts as the first 5 %. */
export function progressPercent(status: ImportStatus, processed: number, total: number): number {
  if (!isRunning(status)) return 100;
  if (status !== 'processing' || total === 0) return status === 'validating' ? 2 : 0;
  return Math.min(99, 5 + Math.floor((processed / total) * 95));
}
