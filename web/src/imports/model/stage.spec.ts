import { describe, expect, it } from 'vitest';
import type { ImportStatus } from '../types';
import { formatBytes, startOfLocalDay, startOfNextLocalDay } from './format';
import { canRunForReal, canUndo, phaseProgress, stageOf, warningsToConfirm } from './stage';

describe('import stages', () => {
  it('maps statuses to the screens', () => {
    expect(['queued', 'awaiting_mapping', 'validating', 'awaiting_confirmation', 'processing', 'completed', 'expired'].map((status) => stageOf({ status: status as ImportStatus }))).toEqual([
      'reading',
      'mapping',
      'validating',
      'review',
      'running',
      'ended',
      'ended',
    ]);
  });

  it('offers undo for real runs that ended, and a real run for finished validations', () => {
    expect(canUndo({ status: 'completed', mode: 'import', validateOnly: false })).toBe(true);
    expect(canUndo({ status: 'completed', mode: 'undo', validateOnly: false })).toBe(false);
    expect(canUndo({ status: 'completed', mode: 'import', validateOnly: true })).toBe(false);
    expect(canRunForReal({ status: 'completed', mode: 'import', validateOnly: true })).toBe(true);
  });

  it('lists the warnings to confirm, also a code without a group', () => {
    const list = warningsToConfirm({
      validation: {
        warningGroups: [
          { code: 'A', message: 'a', rows: 2, needsConfirmation: true },
          { code: 'B', message: 'b', rows: 1, needsConfirmation: false },
        ],
        toConfirm: ['A', 'C'],
        checkProblems: [],
      },
    });
    expect(list.map((group) => group.code)).toEqual(['A', 'C']);
  });

  it('formats sizes and turns local days into instants', () => {
    expect(formatBytes(500 * 1024 * 1024, 'en')).toBe('500 MB');
    expect(formatBytes(1536, 'nl')).toBe('1,5 KB');
    const from = new Date(startOfLocalDay('2026-03-01')!);
    expect([from.getFullYear(), from.getMonth(), from.getDate(), from.getHours()]).toEqual([2026, 2, 1, 0]);
    const next = new Date(startOfNextLocalDay('2026-02-28')!);
    expect([next.getMonth(), next.getDate()]).toEqual([2, 1]);
    expect(startOfLocalDay('1-3-2026')).toBeUndefined();
  });
});

describe('the progress of a step', () => {
  const counts = { total: 10, validated: 4, valid: 0, processed: 0, succeeded: 0, failed: 0, skipped: 0, withWarnings: 0 };
  it('counts checked rows while validating and run rows while running, and ends at 100', () => {
    expect(phaseProgress({ status: 'validating', mode: 'import', counts })).toEqual({ phase: 'validating', percent: 40, done: 4, total: 10 });
    expect(phaseProgress({ status: 'processing', mode: 'import', counts: { ...counts, validated: 10, valid: 6, processed: 2 } })).toEqual({
      phase: 'running',
      percent: 25,
      done: 2,
      total: 8,
    });
    expect(phaseProgress({ status: 'completed', mode: 'import', counts: { ...counts, processed: 8 } }).percent).toBe(100);
    expect(phaseProgress({ status: 'processing', mode: 'undo', counts: { ...counts, valid: 1, processed: 1 } }).phase).toBe('undoing');
  });
});
