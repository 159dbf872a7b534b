import { spawn, type ChildProcess } from 'node:child_process';
import { NODE_FLAGS } from '#libs/runtime/node-flags.js';
import { MAIN } from './compiled-app.js';
import type { TestApp } from './test-app.js';

export { buildIfStale } from './compiled-app.js';

/**
 * The environment of a separate worker (ROLE=worker) that shares an API test app's database, Redis,
 * mail catcher, storage and secret, with `extra` on top (queue prefix, data directory, limits).
 */
export function workerEnvFor(api: TestApp, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ROLE: 'worker',
    DATABASE_URL: api.database.url,
    REDIS_URL: api.config.redisUrl!,
    SMTP_URL: api.mail.url,
    STORAGE_DIR: api.config.storageDir,
    AUTH_TOKEN_SECRET: api.config.authTokenSecret,
    SEED_DEMO_DATA: 'false',
    OUTBOX_POLL_INTERVAL_MS: '50',
    LOG_LEVEL: 'info',
    ...extra,
  };
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
