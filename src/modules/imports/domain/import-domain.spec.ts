import { describe, expect, it } from 'vitest';
import type { ImportColumn } from '#libs/contracts/imports/index.js';
import { canCancel, canMove, finalStatusFor, progressPercent, statusesBefore } from './import-lifecycle.js';
import { Import } from './import.js';
import { isTrue, normaliseRow } from './row-normaliser.js';

const columns: ImportColumn[] = [
  { key: 'userCode', header: 'User Code', aliases: ['Gebruikerscode'], mandatory: true, note: '', kind: 'text', maxLength: 64 },
  { key: 'date', header: 'Date Obtained', mandatory: false, note: '', kind: 'date' },
  { key: 'auto', header: 'Auto Number', mandatory: false, note: '', kind: 'boolean' },
];

describe('normaliseRow', () => {
  const index = new Map([
    ['userCode', 0],
    ['date', 1],
    ['auto', 2],
  ]);

  it('turns cells into trimmed text per column, with dates from date cells', () => {
    const { row, errors } = normaliseRow(7, [' L-1 ', new Date(Date.UTC(2026, 0, 2)), true], columns, index);
    expect(row).toEqual({ rowNumber: 7, values: { userCode: 'L-1', date: '2026-01-02', auto: 'TRUE' } });
    expect(errors).toEqual([]);
  });

  it('flags values that are too long or not a boolean', () => {
    const { errors, row } = normaliseRow(3, ['x'.repeat(32_000), '', 'maybe'], columns, index);
    expect(errors.map((e) => e.code)).toEqual(['IMPORTS.VALUE_TOO_LONG', 'IMPORTS.NOT_A_BOOLEAN']);
    expect(row.values.userCode).toHaveLength(64);
  });

  it('gives the same fingerprint to the same content regardless of case and spacing', () => {
    expect(normaliseRow(2, ['l-1 ', '1-1-2026', ''], columns, index).fingerprint).toBe(normaliseRow(9, ['L-1', '1-1-2026', null], columns, index).fingerprint);
  });

  it('reads TRUE in English and Dutch', () => {
    expect(isTrue('WAAR')).toBe(true);
    expect(isTrue('FALSE')).toBe(false);
  });
});

describe('import lifecycle', () => {
  it('cancels only running imports and ends with errors when a row failed', () => {
    expect(canCancel('processing')).toBe(true);
    expect(canCancel('completed')).toBe(false);
    expect(finalStatusFor({ failedRows: 0 })).toBe('completed');
    expect(finalStatusFor({ failedRows: 2 })).toBe('completed_with_errors');
  });

  it('reports progress that only reaches 100 when done', () => {
    const counts = (validated: number, processed: number) => ({ total: 100, validated, processed, runRows: 100 });
    expect(progressPercent('processing', counts(0, 50), false)).toBe(52);
    expect(progressPercent('processing', counts(0, 100), false)).toBe(99);
    expect(progressPercent('completed', counts(100, 100), false)).toBe(100);
    expect(progressPercent('queued', counts(0, 0), false)).toBe(0);
    // With a validation pass first: validation fills 5-50 %, the run 50-99 %.
    expect(progressPercent('validating', counts(50, 0), true)).toBe(27);
    expect(progressPercent('awaiting_confirmation', counts(100, 0), true)).toBe(50);
    expect(progressPercent('processing', counts(100, 50), true)).toBe(74);
  });
});

describe('import lifecycle', () => {
  it('allows only the moves of the stages, and cancelling while waiting', () => {
    expect(canMove('queued', 'awaiting_mapping')).toBe(true);
    expect(canMove('awaiting_mapping', 'processing')).toBe(false);
    expect(canMove('awaiting_confirmation', 'processing')).toBe(true);
    expect(canMove('completed', 'processing')).toBe(false);
    expect(canCancel('awaiting_mapping')).toBe(true);
    expect(canCancel('awaiting_confirmation')).toBe(true);
    expect(canCancel('expired')).toBe(false);
    expect(statusesBefore('expired').sort()).toEqual(['awaiting_confirmation', 'awaiting_mapping']);
  });

  it('confirms only with every warning that needs it acknowledged, and a passing import-level check', () => {
    const run = waitingForConfirmation(['CREDENTIALS.EMAIL_CHANGED']);
    expect(() => run.confirm([], [])).toThrow(expect.objectContaining({ code: 'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED', params: { codes: 'CREDENTIALS.EMAIL_CHANGED' } }));
    expect(() => run.confirm(['CREDENTIALS.EMAIL_CHANGED'], [{ code: 'CREDENTIALS.NOT_ENOUGH_CREDITS' }])).toThrow(
      expect.objectContaining({ code: 'IMPORTS.CHECK_BEFORE_RUN_FAILED', kind: 'conflict' }),
    );
    run.confirm(['CREDENTIALS.EMAIL_CHANGED'], []);
    expect(run.status).toBe('processing');
    expect(run.runRows).toBe(7);
    expect(() => run.confirm(['CREDENTIALS.EMAIL_CHANGED'], [])).toThrow(expect.objectContaining({ code: 'IMPORTS.NOT_AWAITING_CONFIRMATION' }));
  });

  it('undoes only a completed real import of a type that supports undo', () => {
    const by = { id: 'u', name: 'U', language: 'en' };
    const run = waitingForConfirmation([]);
    expect(() => run.undo(by, true)).toThrow(expect.objectContaining({ code: 'IMPORTS.NOT_UNDOABLE' }));
    run.status = 'completed';
    expect(() => run.undo(by, false)).toThrow(expect.objectContaining({ code: 'IMPORTS.UNDO_NOT_SUPPORTED' }));
    // Never run (a validation that ended): nothing to undo.
    expect(() => run.undo(by, true)).toThrow(expect.objectContaining({ code: 'IMPORTS.NOT_UNDOABLE' }));
    run.confirmedAt = new Date();
    const undo = run.undo(by, true);
    expect(undo).toMatchObject({ mode: 'undo', undoOf: run.id, status: 'validating', autoConfirm: true, fileKey: '', fileSize: 0 });
    // Cancelled or failed halfway: the rows it wrote can be undone too.
    run.status = 'cancelled';
    expect(run.undo(by, true).undoOf).toBe(run.id);
  });
});

function waitingForConfirmation(toConfirm: string[]): Import {
  const run = Import.queue({
    type: 't',
    validateOnly: false,
    options: {},
    file: { name: 'a.csv', kind: 'csv', key: 'k', size: 1 },
    startedBy: { id: 'u', name: 'U', language: 'en' },
  });
  run.status = 'awaiting_confirmation';
  run.validRows = 7;
  run.validation = { warningGroups: toConfirm.map((code) => ({ code, rows: 1 })), toConfirm, checkProblems: [] };
  return run;
}
