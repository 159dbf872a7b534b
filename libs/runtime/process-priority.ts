import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (0 = normal, 19 = lowest) and says what it did. On Linux a nice
 * value belongs to each thread, so every thread running now is set (V8's and libuv's helpers included); threads
 * started later inherit it from the thread that starts them. A process may only lower its own priority: a
 * process already nicer than asked is left alone, and a refusal is reported, never thrown.
 */
export function lowerProcessPriority(nice: number): string {
  if (nice <= 0) return 'normal CPU priority';
  const current = getPriority();
  if (current >= nice) return `CPU priority nice ${current} (already at or below nice ${nice})`;
  try {
    const threads = linuxThreadIds();
    if (threads) for (const tid of threads) setThreadPriority(tid, nice);
    else setPriority(nice);
    return `CPU priority lowered to nice ${nice}`;
  } catch (error) {
    return `CPU priority unchanged (nice ${nice} refused: ${(error as Error).message})`;
  }
}

function linuxThreadIds(): number[] | undefined {
  try {
    return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    return undefined;
  }
}

function setThreadPriority(tid: number, nice: number) {
  try {
    setPriority(tid, nice);
  } catch (error) {
    // A thread that ended between the listing and now.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
