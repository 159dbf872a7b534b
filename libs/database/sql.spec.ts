import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { arrayLiteral, likeContains, pgArray } from './sql.js';

/** The pg driver's own conversion of a parameter (what arrayLiteral must match). */
const { prepareValue: driverLiteral } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => string };

describe('sql helpers', () => {
  it('quotes array elements', () => {
    expect(pgArray(['a', 'b"c', 'd\\e', 'x,y'])).toBe('{"a","b\\"c","d\\\\e","x,y"}');
    expect(pgArray([])).toBe('{}');
  });

  it('writes flat arrays exactly as the pg driver does', () => {
    const arrays: unknown[][] = [
      [],
      ['plain', 'with "quotes"', 'back\\slash', '\\"both\\"', 'a,b', '{braces}', ' spaced ', '', 'NULL', 'ünïcödé ✓', 'line\nbreak'],
      ['4e0b7a3c-8f0e-4c7e-9d8b-2f4b5c6d7e8f', null, undefined, 'x'],
      [1, 2.5, -3, 0, Number.NaN, 12345678901234],
      [true, false, null],
      [10n, 'mixed', 3],
      [-0, Number.POSITIVE_INFINITY, 1e21, 5e-7],
      // eslint-disable-next-line no-sparse-arrays -- a hole reads as undefined, as the driver reads it
      ['before', , 'after'],
      new Array(3),
    ];
    for (const values of arrays) expect(arrayLiteral(values)).toBe(driverLiteral(values));
  });

  it('leaves arrays of anything else to the driver', () => {
    expect(arrayLiteral([new Date('2026-01-01T00:00:00Z')])).toBeUndefined();
    expect(arrayLiteral([['nested']])).toBeUndefined();
    expect(arrayLiteral([Buffer.from('x')])).toBeUndefined();
    expect(arrayLiteral([{ a: 1 }])).toBeUndefined();
  });

  it('escapes LIKE wildcards', () => {
    expect(likeContains('50%_a')).toBe('%50\\%\\_a%');
  });
});
