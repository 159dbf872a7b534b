import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('./process-priority.ts', import.meta.url));

/** Runs `code` in a fresh node process (a lowered priority cannot be raised again) and returns what it printed as JSON. */
function inChild(code: string): unknown {
  const result = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('lowerProcessPriority', () => {
  it.runIf(process.platform === 'linux')('sets every thread of the process, and threads started afterwards inherit it', () => {
    const seen = inChild(`
      import { readdirSync, readFileSync } from 'node:fs';
      import { Worker } from 'node:worker_threads';
      const { lowerProcessPriority } = await import(${JSON.stringify(MODULE)});
      // The thread's name (field 2, in parentheses) may itself hold ') ': the fields after it start at the last one.
      // A thread that ended between the listing and the read is left out.
      const niceOf = (tid) => {
        try {
          const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
          return [Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16])];
        } catch (error) {
          if (error.code === 'ENOENT' || error.code === 'ESRCH') return [];
          throw error;
        }
      };
      const niceOfThreads = () => readdirSync('/proc/self/task').flatMap(niceOf);
      const message = lowerProcessPriority(7);
      const before = niceOfThreads();
      const worker = new Worker('setTimeout(() => {}, 300)', { eval: true });
      await new Promise((resolve) => worker.once('online', resolve));
      const after = niceOfThreads();
      await worker.terminate();
      console.log(JSON.stringify({ message, before, after }));
    `) as { message: string; before: number[]; after: number[] };
    expect(seen.message).toBe('CPU priority lowered to nice 7');
    expect(seen.before.length).toBeGreaterThan(1);
    expect(new Set(seen.before)).toEqual(new Set([7]));
    expect(seen.after.length).toBeGreaterThan(seen.before.length);
    expect(new Set(seen.after)).toEqual(new Set([7]));
  });

  it('leaves a process alone that is at the asked priority already, or asked for none', () => {
    const seen = inChild(`
      const { lowerProcessPriority } = await import(${JSON.stringify(MODULE)});
      const { getPriority } = await import('node:os');
      const first = lowerProcessPriority(5);
      const again = lowerProcessPriority(3);
      const none = lowerProcessPriority(0);
      console.log(JSON.stringify({ first, again, none, nice: getPriority() }));
    `);
    expect(seen).toEqual({
      first: 'CPU priority lowered to nice 5',
      again: 'CPU priority nice 5 (already at or below nice 3)',
      none: 'normal CPU priority',
      nice: 5,
    });
  });
});
