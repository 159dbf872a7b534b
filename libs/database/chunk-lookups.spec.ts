import { describe, expect, it } from 'vitest';
import { lookupMany, rememberLookups, withChunkLookups } from './chunk-lookups.js';

describe('chunk lookups', () => {
  const loader = (calls: string[][]) => async (missing: string[]) => {
    calls.push(missing);
    return new Map(missing.filter((key) => key !== 'nobody').map((key) => [key, key.toUpperCase()]));
  };

  it('answers every lookup of a chunk from one batch, remembering misses', async () => {
    const calls: string[][] = [];
    await withChunkLookups(async () => {
      expect([...(await lookupMany('users', ['a', 'b', 'nobody', 'a'], loader(calls))).entries()]).toEqual([
        ['a', 'A'],
        ['b', 'B'],
      ]);
      expect((await lookupMany('users', ['b'], loader(calls))).get('b')).toBe('B');
      expect((await lookupMany('users', ['nobody'], loader(calls))).size).toBe(0);
      expect((await lookupMany('users', ['c'], loader(calls))).get('c')).toBe('C');
    });
    expect(calls).toEqual([['a', 'b', 'nobody'], ['c']]);
  });

  it('keeps kinds and chunks apart, and caches nothing outside a chunk', async () => {
    const calls: string[][] = [];
    await withChunkLookups(() => lookupMany('users:p1', ['a'], loader(calls)));
    await withChunkLookups(() => lookupMany('users:p1', ['a'], loader(calls)));
    await withChunkLookups(async () => {
      await lookupMany('users:p1', ['a'], loader(calls));
      await lookupMany('users:p2', ['a'], loader(calls));
    });
    await lookupMany('users:p1', ['a'], loader(calls));
    await lookupMany('users:p1', ['a'], loader(calls));
    expect(calls).toHaveLength(6);
  });

  it('takes values another lookup found', async () => {
    const calls: string[][] = [];
    await withChunkLookups(async () => {
      rememberLookups('users-by-id', [['id-1', 'USER 1']]);
      expect((await lookupMany('users-by-id', ['id-1'], loader(calls))).get('id-1')).toBe('USER 1');
    });
    expect(calls).toEqual([]);
  });
});
