import { describe, expect, it } from 'vitest';
import { stagedJson } from './staged-rows.js';

describe('staged row JSON', () => {
  it('drops NUL characters from strings, which PostgreSQL cannot store', () => {
    expect(JSON.parse(stagedJson({ a: 'x\u0000y', b: ['\u0000'] }))).toEqual({ a: 'xy', b: [''] });
  });

  it('keeps a cell that spells \\u0000 as text intact', () => {
    const cell = 'literally \\u0000 here';
    expect(JSON.parse(stagedJson([cell]))).toEqual([cell]);
  });
});

describe('staged row JSON without NUL characters', () => {
  it('is the plain JSON encoding', () => {
    const value = { values: { email: 'a@example.com', name: 'Zoë "quoted" \\ back' }, cells: ['a', '', 'tab\there'], errors: [] };
    expect(stagedJson(value)).toBe(JSON.stringify(value));
  });

  it('still drops a NUL deep in an otherwise plain value', () => {
    expect(JSON.parse(stagedJson({ cells: ['ok', 'also ok', 'x\u0000'] }))).toEqual({ cells: ['ok', 'also ok', 'x'] });
  });
});
