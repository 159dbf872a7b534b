import { describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { inLockOrder, ReviewerReassignment } from './reviewer-reassignment.js';

describe('the reviewer re-check', () => {
  it('locks task rows in id order, each once, whatever order it is given (the order link issuing uses)', async () => {
    const locked: string[] = [];
    const repository = {
      load: async (_em: unknown, id: string, options: { lock?: boolean }) => {
        if (options.lock) locked.push(id);
        return undefined;
      },
    };
    const settings = { get: async () => 'manager' };
    const reassignment = new ReviewerReassignment({} as never, settings as never, repository as never, {} as never, {} as never);
    const ids = ['c0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000001', 'B0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003'];
    await reassignment.recheck({} as EntityManager, ids);
    expect(locked).toEqual(['a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003']);
    expect(inLockOrder([])).toEqual([]);
  });
});
