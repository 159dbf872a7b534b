import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../libs/runtime/node-flags.js';

export const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

/** Builds dist/ when a source file is newer than the compiled entry point (`npm test` has just built it). */
export function buildIfStale() {
  const newest = (dir: string): number =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .reduce((latest, entry) => Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > Math.max(newest(join(process.cwd(), 'src')), newest(join(process.cwd(), 'libs')))) return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: process.cwd(), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

/** The compiled app as a real OS process with the production heap flags, its output kept for a failure report. */
export class WorkerProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (stream: string) => (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((line) => `[${name} ${stream}] ${line}`));
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 2000);
    };
    this.child.stdout!.on('data', keep('out'));
    this.child.stderr!.on('data', keep('err'));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid() {
    return this.child.pid;
  }

  /** Resolves once the app said it is running; fails if the process ends first. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.some((line) => line.includes('Credential Import is running (role worker)'))) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready:\n${this.output.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}
