import { AsyncLocalStorage } from 'node:async_hooks';

type Work = () => Promise<unknown>;

const scope = new AsyncLocalStorage<Work[]>();

/**
 * Runs `work` once the inbox transaction of the event delivery in progress has committed (a subscriber
 * that starts background work on rows it just wrote: a job taken before the commit would not see them).
 * Best effort: a crash between the commit and `work` loses it, so the work must also be found again by
 * other means (a sweeper). Outside an event delivery it throws: there is no commit to wait for.
 */
export function afterCommit(work: Work): void {
  const pending = scope.getStore();
  if (!pending) throw new Error('afterCommit() is only available while an integration event is being delivered');
  pending.push(work);
}

/** Runs `transaction` and then, only if it resolved, every piece of work registered in it with afterCommit(). */
export async function withAfterCommit<T>(transaction: () => Promise<T>, onError: (error: unknown) => void): Promise<T> {
  const pending: Work[] = [];
  const result = await scope.run(pending, transaction);
  for (const work of pending) {
    try {
      await work();
    } catch (error) {
      onError(error);
    }
  }
  return result;
}
