import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { NODE_FLAGS } from '#libs/runtime/node-flags.js';

export const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

/** Builds dist/ when a source file (or a mail template) is newer than the compiled entry point (`npm test` has just built it). */
export function buildIfStale() {
  const newest = (dir: string): number =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && (entry.name.endsWith('.ts') || entry.parentPath.includes(`${sep}templates`)))
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

/** The compiled app (`node dist/src/main.js`) as an OS process with exactly the given environment. */
export class AppProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `via: 'npm'` starts it the way an operator does, `npm run start:prod`, with npm as the process signalled. */
  constructor(env: Record<string, string>, via: 'node' | 'npm' = 'node') {
    const [command, args] = via === 'npm' ? ['npm', ['run', '--silent', 'start:prod']] : [process.execPath, [...NODE_FLAGS, MAIN]];
    this.child = spawn(command, args, {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The API's base URL once the banner is printed. */
  async url(timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /API: +(http:\/\/\S+)\/api\b/.exec(this.stdout);
      if (match) return match[1]!;
      if (!this.running) throw new Error(`the app exited before it was ready:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`the app was not ready within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  signal(signal: NodeJS.Signals) {
    this.child.kill(signal);
  }

  async kill() {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
