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
