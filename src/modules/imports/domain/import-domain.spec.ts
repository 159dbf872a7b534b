import { describe, expect, it } from 'vitest';
import type { ImportColumn } from '#libs/contracts/imports/index.js';
import { mapHeader } from './header-mapping.js';
import { canCancel, finalStatusFor, progressPercent } from './import-lifecycle.js';
import { isTrue, normaliseRow } from './row-normaliser.js';

const columns: ImportColumn[] = [
  { key: 'userCode', header: 'User Code', aliases: ['Gebruikerscode'], mandatory: true, note: '', kind: 'text', maxLength: 64 },
  { key: 'date', header: 'Date Obtained', mandatory: false, note: '', kind: 'date' },
  { key: 'auto', header: 'Auto Number', mandatory: false, note: '', kind: 'boolean' },
];

describe('mapHeader', () => {
  it('matches headers case-insensitively, by alias, ignoring a trailing * and unknown columns', () => {
    const mapping = mapHeader(['gebruikerscode', 'Remarks', ' DATE  obtained *'], columns);
    expect(mapping.errors).toEqual([]);
    expect([...mapping.indexByKey.entries()]).toEqual([
      ['userCode', 0],
      ['date', 2],
    ]);
    expect(mapping.ignoredHeaders).toEqual(['Remarks']);
  });

  it('names missing mandatory columns and what it found instead', () => {
    const mapping = mapHeader(['Name', 'Date Obtained'], columns);
    expect(mapping.errors).toEqual([{ code: 'IMPORTS.MISSING_COLUMNS', params: { columns: 'User Code', found: 'Name, Date Obtained' } }]);
  });

  it('refuses a column given twice', () => {
    expect(mapHeader(['User Code', 'Gebruikerscode'], columns).errors[0].code).toBe('IMPORTS.DUPLICATE_COLUMN');
  });

  it('follows an explicit mapping from the admin', () => {
    const mapping = mapHeader(['Personeelsnummer'], columns, { Personeelsnummer: 'userCode' });
    expect(mapping.indexByKey.get('userCode')).toBe(0);
    expect(mapHeader(['X'], columns, { X: 'nope' }).errors[0].code).toBe('IMPORTS.MAPPING_UNKNOWN_COLUMN');
  });
});

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
    expect(progressPercent('processing', 50, 100)).toBe(52);
    expect(progressPercent('processing', 100, 100)).toBe(99);
    expect(progressPercent('completed', 100, 100)).toBe(100);
    expect(progressPercent('queued', 0, 0)).toBe(0);
  });
});
