import { describe, expect, it } from 'vitest';
import { afterCommit, withAfterCommit } from './after-commit.js';

describe('afterCommit', () => {
  it('runs registered work after the transaction resolved, in order', async () => {
    const log: string[] = [];
    const result = await withAfterCommit(async () => {
      afterCommit(async () => void log.push('first'));
      await Promise.resolve();
      afterCommit(async () => void log.push('second'));
      log.push('transaction');
      return 42;
    }, () => {});
    expect(result).toBe(42);
    expect(log).toEqual(['transaction', 'first', 'second']);
  });

  it('drops the work when the transaction fails', async () => {
    const log: string[] = [];
    await expect(
      withAfterCommit(async () => {
        afterCommit(async () => void log.push('never'));
        throw new Error('rolled back');
      }, () => {}),
    ).rejects.toThrow('rolled back');
    expect(log).toEqual([]);
  });

  it('reports failing work without failing the delivery, and runs the rest', async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    await withAfterCommit(async () => {
      afterCommit(async () => {
        throw new Error('queue away');
      });
      afterCommit(async () => void log.push('still runs'));
    }, (error) => errors.push(error));
    expect(String(errors[0])).toContain('queue away');
    expect(log).toEqual(['still runs']);
  });

  it('refuses outside an event delivery', () => {
    expect(() => afterCommit(async () => {})).toThrow(/only available while an integration event is being delivered/);
  });
});
