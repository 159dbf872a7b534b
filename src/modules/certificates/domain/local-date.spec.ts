import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { addMonths, latestDateOnEarth, parseLocalDate } from './local-date.js';

describe('local dates', () => {
  it('accepts real calendar dates only', () => {
    expect(parseLocalDate(' 2024-02-29 ', 'dateObtained')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-5', '05-01-2024', '2024-04-31', 'yesterday', '']) {
      expect(() => parseLocalDate(bad, 'dateObtained'), bad).toThrow(DomainError);
    }
    try {
      parseLocalDate('2023-02-29', 'dateExpires');
    } catch (error) {
      expect((error as DomainError).code).toBe('CERTIFICATES.DATE_INVALID');
      expect((error as DomainError).params).toEqual({ field: 'dateExpires', value: '2023-02-29' });
    }
  });

  it('adds months, keeping the day or falling back to the end of a shorter month', () => {
    expect(addMonths('2024-03-15', 12)).toBe('2025-03-15');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-11-30', 3)).toBe('2025-02-28');
    expect(addMonths('2024-12-01', 120)).toBe('2034-12-01');
    expect(addMonths('2024-08-31', 1)).toBe('2024-09-30');
  });

  it('takes "today" as the latest date anywhere (UTC+14)', () => {
    expect(latestDateOnEarth(new Date('2026-11-22T09:59:00Z'))).toBe('2026-11-22');
    expect(latestDateOnEarth(new Date('2026-11-22T10:00:00Z'))).toBe('2026-11-23');
  });
});
