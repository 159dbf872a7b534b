import type { Job, JobOptions, Queue } from 'bull';

/** States in which a job still runs by itself: Bull moves it on (a stalled active job goes back to wait). */
const STATES_THAT_RUN = new Set(['waiting', 'active', 'delayed', 'paused']);

export interface FixedIdJob<T> {
  name: string;
  data: T;
  opts: JobOptions & { jobId: string };
}

export type ReviveOutcome = 'added' | 'queued' | 'replaced' | 'locked';

/**
 * Queues jobs with fixed ids that PostgreSQL says are due, where Bull's own add is not enough: Bull
 * ignores an add whose id it has, even when what it has is a remnant that can never run. A Redis flush
 * deletes keys one by one (SCAN + DEL) while workers keep moving jobs, so it can leave a job's hash
 * without its list entry (state "stuck"), or recreate a hash that holds only `processedOn` (Bull's
 * moveToActive writes it after the hash was deleted). A job that is waiting, active or delayed, with
 * its data, is left alone; any other is removed and added again. A remnant still locked by a worker is
 * left for the next pass ('locked').
 *
 * `isWhole` says whether a job's data is the caller's own (not the empty object of a remnant hash).
 */
export async function reviveJobs<T>(queue: Queue<T>, jobs: FixedIdJob<T>[], isWhole: (data: T | undefined) => boolean): Promise<ReviveOutcome[]> {
  const outcomes: ReviveOutcome[] = [];
  for (const job of jobs) outcomes.push(await reviveJob(queue, job, isWhole));
  return outcomes;
}

async function reviveJob<T>(queue: Queue<T>, job: FixedIdJob<T>, isWhole: (data: T | undefined) => boolean): Promise<ReviveOutcome> {
  const existing: Job<T> | null = await queue.getJob(job.opts.jobId);
  if (!existing) {
    await queue.add(job.name, job.data, job.opts);
    return 'added';
  }
  if (isWhole(existing.data) && STATES_THAT_RUN.has(await existing.getState())) return 'queued';
  try {
    await existing.remove();
  } catch {
    // Bull refuses to remove a locked job: a worker holds it now, and its lock expires within the lock period.
    return 'locked';
  }
  await queue.add(job.name, job.data, job.opts);
  return 'replaced';
}
