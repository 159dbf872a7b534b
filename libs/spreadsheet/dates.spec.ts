import { describe, expect, it } from 'vitest';
import { addMonths, parseDateCell } from './dates.js';

describe('parseDateCell', () => {
  it.each([
    ['31-12-2025', '2025-12-31'],
    ['1-2-2026', '2026-02-01'],
    ['01/02/2026', '2026-02-01'],
    ['1.2.2026', '2026-02-01'],
    ['2026-02-01', '2026-02-01'],
    ['29-02-2024', '2024-02-29'],
  ])('reads "%s" as %s', (input, expected) => {
    expect(parseDateCell(input)).toEqual({ ok: true, date: expected });
  });

  it('reads Excel date cells and serial numbers', () => {
    expect(parseDateCell(new Date(Date.UTC(2026, 0, 15)))).toEqual({ ok: true, date: '2026-01-15' });
    expect(parseDateCell(46037)).toEqual({ ok: true, date: '2026-01-15' });
    expect(parseDateCell('46037')).toEqual({ ok: true, date: '2026-01-15' });
  });

  it('treats empty as no date and rejects impossible or foreign formats', () => {
    expect(parseDateCell('')).toEqual({ ok: true, date: null });
    expect(parseDateCell(null)).toEqual({ ok: true, date: null });
    for (const bad of ['31-02-2026', '2026-13-01', 'tomorrow', '12/31/2026', '15 januari 2026', true, 12]) {
      expect(parseDateCell(bad as never)).toEqual({ ok: false });
    }
  });
});

describe('addMonths', () => {
  it('keeps the day, clamping to the end of shorter months', () => {
    expect(addMonths('2026-01-15', 12)).toBe('2027-01-15');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
  });
});

/** The Date-based versions these replaced, as the reference: every answer must stay the same. */
function referenceParts(year: number, month: number, day: number): string | null {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}
function referenceAddMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('dates without a Date object', () => {
  // Around every kind of leap-year rule (4, 100, 400) and both ends of the accepted range.
  const YEARS = [1899, 1900, 1901, 1903, 1904, 1999, 2000, 2001, 2023, 2024, 2025, 2026, 2099, 2100, 2101, 2399, 2400, 2401, 2998, 2999, 3000];

  it('reads every day and month (and days and months out of range) of years around leap-year rules as the Date-based version did', () => {
    const got: unknown[] = [];
    const expected: unknown[] = [];
    for (const year of YEARS) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const reference = referenceParts(year, month, day);
          const result = reference === null ? { ok: false } : { ok: true, date: reference };
          got.push(parseDateCell(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`), parseDateCell(`${day}-${month}-${year}`));
          expected.push(result, result);
        }
      }
    }
    expect(got).toEqual(expected);
  });

  it('adds months as the Date-based version did, also across leap years, with clamping, and for unusual input', () => {
    const months = [-1300, -25, -12, -1, 0, 1, 2, 11, 12, 13, 24, 59, 60, 61, 120, 1200];
    const got: string[] = [];
    const expected: string[] = [];
    for (const year of [1896, ...YEARS, 2104, 2105]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 15, 28, 29, 30, 31]) {
          const date = `${year}-${pad(month, 2)}-${pad(day, 2)}`;
          for (const m of months) {
            got.push(`${date} + ${m} = ${addMonths(date, m)}`);
            expected.push(`${date} + ${m} = ${referenceAddMonths(date, m)}`);
          }
        }
      }
    }
    expect(got).toEqual(expected);
    for (const [date, m] of [
      ['0999-12-31', 1],
      ['0050-01-15', 1],
      ['9999-12-01', 1],
      ['2026-02-31', 1],
      ['2026-00-10', 1],
      ['2026-13-10', 1],
      ['2026-01-00', 1],
      ['2026-01-15', 1.5],
    ] as const) {
      expect(addMonths(date, m), `${date} + ${m}`).toBe(referenceAddMonths(date, m));
    }
  });
});
