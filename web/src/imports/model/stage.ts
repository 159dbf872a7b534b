import type { ImportDetail, ImportSummary } from '../types';

/** Where an import stands, as the screens are arranged: one step at a time, then its outcome. */
export type Stage = 'reading' | 'mapping' | 'validating' | 'review' | 'running' | 'ended';

export const ENDED = ['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'];

export function isEnded(status: string): boolean {
  return ENDED.includes(status);
}

export function stageOf(run: Pick<ImportSummary, 'status'>): Stage {
  switch (run.status) {
    case 'queued':
      return 'reading';
    case 'awaiting_mapping':
      return 'mapping';
    case 'validating':
      return 'validating';
    case 'awaiting_confirmation':
      return 'review';
    case 'processing':
      return 'running';
    default:
      return 'ended';
  }
}

export function canCancel(run: Pick<ImportSummary, 'status'>): boolean {
  return !isEnded(run.status);
}

/** Undo is offered for an import that ran for real and has ended (the API decides; 409 otherwise). */
export function canUndo(run: Pick<ImportSummary, 'status' | 'mode' | 'validateOnly'>): boolean {
  return run.mode === 'import' && !run.validateOnly && ['completed', 'completed_with_errors', 'cancelled', 'failed'].includes(run.status);
}

/** A finished validate-only import can be run for real with the same file and mapping. */
export function canRunForReal(run: Pick<ImportSummary, 'status' | 'mode' | 'validateOnly'>): boolean {
  return run.mode === 'import' && run.validateOnly && ['completed', 'completed_with_errors'].includes(run.status);
}

/** The confirmation screen's checkboxes: warning groups that must be acknowledged before the run. */
export function warningsToConfirm(run: Pick<ImportDetail, 'validation'>) {
  const groups = run.validation?.warningGroups ?? [];
  const toConfirm = run.validation?.toConfirm ?? [];
  const listed = groups.filter((group) => group.needsConfirmation || toConfirm.includes(group.code));
  // A code to confirm without a group of its own still gets a checkbox.
  const bare = toConfirm.filter((code) => !listed.some((group) => group.code === code)).map((code) => ({ code, message: code, rows: 0, needsConfirmation: true }));
  return [...listed, ...bare];
}

/** Whether the error file (failed rows) or the results file (every row) can be downloaded. */
export function downloads(run: Pick<ImportSummary, 'counts' | 'status'>) {
  return { errorFile: run.counts.failed > 0, resultsFile: run.counts.total > 0 || run.counts.validated > 0 || isEnded(run.status) };
}

export interface PhaseProgress {
  phase: 'reading' | 'validating' | 'running' | 'undoing';
  percent: number;
  done: number;
  total: number;
}

/**
 * The progress of the step the import is in, 0..100 (the API's progressPercent spans the whole flow).
 * Validation: rows checked of all rows. Run: rows run of those to run (run + still valid: `valid` counts
 * rows that passed validation and have not run yet). An import that has ended is at 100.
 */
export function phaseProgress(run: Pick<ImportSummary, 'status' | 'counts' | 'mode'>): PhaseProgress {
  const { counts } = run;
  const share = (done: number, total: number) => (total <= 0 ? 0 : Math.min(100, Math.floor((done / total) * 100)));
  const runPhase = run.mode === 'undo' ? 'undoing' : 'running';
  switch (run.status) {
    case 'queued':
    case 'awaiting_mapping':
      return { phase: 'reading', percent: 0, done: 0, total: counts.total };
    case 'validating':
      if (run.mode === 'undo') return { phase: 'undoing', percent: share(counts.processed, counts.total), done: counts.processed, total: counts.total };
      return { phase: 'validating', percent: share(counts.validated, counts.total), done: counts.validated, total: counts.total };
    case 'awaiting_confirmation':
      return { phase: 'validating', percent: 100, done: counts.validated, total: counts.total };
    case 'processing': {
      const total = counts.processed + counts.valid;
      return { phase: runPhase, percent: share(counts.processed, total), done: counts.processed, total };
    }
    default:
      return { phase: runPhase, percent: 100, done: counts.processed, total: counts.processed };
  }
}
