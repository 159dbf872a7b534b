import { describe, expect, it } from 'vitest';
import { likeContains, pgArray } from './sql.js';

describe('sql helpers', () => {
  it('quotes array elements', () => {
    expect(pgArray(['a', 'b"c', 'd\\e', 'x,y'])).toBe('{"a","b\\"c","d\\\\e","x,y"}');
    expect(pgArray([])).toBe('{}');
  });
  it('escapes LIKE wildcards', () => {
    expect(likeContains('50%_a')).toBe('%50\\%\\_a%');
  });
});
