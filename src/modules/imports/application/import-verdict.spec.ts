import { describe, expect, it } from 'vitest';
import '../domain/messages.js';
import { importVerdict } from './import-views.js';

describe('the verdict of a validate-only import', () => {
  const base = { id: 'i-1', validate_only: true, mode: 'import' as const, status: 'completed' as const, total_rows: 5, valid_rows: 5, failed_rows: 0, warning_rows: 1, failure: null };

  it('is "likely to succeed" with the counts when no row failed', () => {
    const verdict = importVerdict(base, 'en');
    expect(verdict?.outcome).toBe('likely_to_succeed');
    expect(verdict?.message).toContain('5 row(s) can be imported (1 with warnings)');
    expect(verdict?.message).toContain('does not necessarily mean the file is perfect or complete');
  });

  it('is "errors found" when a row failed or the file was refused', () => {
    expect(importVerdict({ ...base, status: 'completed_with_errors', valid_rows: 3, failed_rows: 2 }, 'en')).toMatchObject({ outcome: 'errors_found', message: expect.stringContaining('2 of 5') });
    expect(importVerdict({ ...base, status: 'failed', total_rows: 0, failure: { code: 'XML.DOCTYPE_REFUSED', params: { line: 1, column: 1 } } }, 'nl')?.outcome).toBe('errors_found');
  });

  it('is absent while running, for runs and for undo', () => {
    expect(importVerdict({ ...base, status: 'validating' as never }, 'en')).toBeNull();
    expect(importVerdict({ ...base, validate_only: false }, 'en')).toBeNull();
    expect(importVerdict({ ...base, mode: 'undo' }, 'en')).toBeNull();
  });
});
