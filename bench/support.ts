/**
 * What the benchmarks share: the app's processes (API and worker, each with its own RSS), their CPU and
 * memory, the CPU profile, calls to the API with a timeout, and the report lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { NODE_FLAGS } from '#libs/runtime/node-flags.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export const args = process.argv.slice(2);
export const numberOption = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number (got ${args[index + 1]})`);
  return value;
};
export const flag = (name: string) => args.includes(`--${name}`);

export interface Line {
  name: string;
  figure: string;
  baseline?: string;
  verdict?: string;
}
export const lines: Line[] = [];
export const report = (line: Line) => {
  lines.push(line);
  process.stdout.write(`  ${line.name}: ${line.figure}${line.baseline ? ` | baseline: ${line.baseline}` : ''}${line.verdict ? ` | ${line.verdict}` : ''}\n`);
};
export const printSummary = (benchMs: number) => {
  process.stdout.write(`\nSummary (bench ran ${seconds(benchMs)})\n`);
  for (const line of lines) process.stdout.write(`${line.name}\t${line.figure}${line.baseline ? `\t${line.baseline}` : ''}${line.verdict ? `\t${line.verdict}` : ''}\n`);
};
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
export const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
/** With unref the timer does not keep the bench alive (a deadline that no longer matters once the work ended). */
export const sleep = (ms: number, { unref = false } = {}) =>
  new Promise<void>((resolveSleep) => {
    const timer = setTimeout(resolveSleep, ms);
    if (unref) timer.unref();
  });

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Starts `node dist/src/main.js` in a role and resolves once it printed its start-up banner (or fails after
 * `timeoutMs`). With a profile directory node writes a CPU profile there when the process exits cleanly.
 */
export async function start(env: NodeJS.ProcessEnv, role: 'api' | 'worker', children: ChildProcess[], profileDir?: string, timeoutMs = 120_000): Promise<ChildProcess> {
  const logLevel = process.env.BENCH_LOG_LEVEL;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profile, MAIN], {
    env: { ...env, ROLE: role, ...(logLevel ? { LOG_LEVEL: logLevel } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const log = logLevel ? createWriteStream(join(tmpdir(), `cit-bench-${role}.log`), { flags: 'a' }) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${role}] ${chunk}`));
  await new Promise<void>((resolveReady, rejectReady) => {
    let seen = '';
    const timer = setTimeout(() => rejectReady(new Error(`${role} did not print its start-up banner within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (seen !== 'ready') {
        seen += chunk.toString('utf8');
        if (seen.includes('Credential Import is running')) {
          seen = 'ready';
          clearTimeout(timer);
          resolveReady();
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectReady(new Error(`${role} exited with code ${code} before it was ready`));
    });
  });
  return child;
}

/** Ends a process the way an operator does (SIGTERM: graceful shutdown, CPU profile written); SIGKILL after 30 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((resolveKill) => (timer = setTimeout(() => resolveKill(true), 30_000)))]);
  clearTimeout(timer);
  if (killed) {
    process.stderr.write(`process ${child.pid} did not end within 30 s of SIGTERM: killed (no CPU profile)\n`);
    child.kill('SIGKILL');
    await exited;
  }
}

/** Samples a process's resident set size (VmRSS) every 100 ms and keeps the peak, in KB. */
export class RssSampler {
  peakKb = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
    this.sample();
  }
  private sample() {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? 0);
      if (kb > this.peakKb) this.peakKb = kb;
    } catch {
      // The process ended.
    }
  }
  reset() {
    this.peakKb = 0;
    this.sample();
  }
  stop() {
    clearInterval(this.timer);
  }
}

/** Linux clock ticks a second (USER_HZ); 100 on every common build. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds used between start() and report() by the named processes, by the PostgreSQL backends of the
 * bench's database, by this bench, and by the rest of the machine: where a slow run's time went.
 */
export class CpuMeter {
  private readonly started = performance.now();
  private readonly bench = process.cpuUsage();
  private readonly machine = machineTicks();
  private constructor(
    private readonly processes: Map<string, { pid: number; ticks: number }>,
    private readonly backends: Map<number, number>,
    private readonly sql: pg.Pool,
    private readonly database: string,
  ) {}

  static async start(pids: Record<string, number>, sql: pg.Pool, database: string): Promise<CpuMeter> {
    const backends = new Map((await backendPids(sql, database)).map((pid) => [pid, processTicks(pid)]));
    return new CpuMeter(new Map(Object.entries(pids).map(([name, pid]) => [name, { pid, ticks: processTicks(pid) }])), backends, sql, database);
  }

  /** CPU seconds so far: per named process, 'PostgreSQL (this database)' and 'bench'; the machine's busy seconds and cores. */
  async measure(): Promise<{ wall: number; busy: number; cores: number; used: (readonly [string, number])[] }> {
    const postgresTicks = (await backendPids(this.sql, this.database)).reduce((sum, pid) => sum + processTicks(pid) - (this.backends.get(pid) ?? 0), 0);
    const wall = (performance.now() - this.started) / 1000;
    const machine = machineTicks();
    const busy = (machine.busy - this.machine.busy) / CLOCK_TICKS;
    const cores = (machine.total - this.machine.total) / CLOCK_TICKS / wall;
    const used = [...this.processes].map(([name, { pid, ticks }]) => [name, (processTicks(pid) - ticks) / CLOCK_TICKS] as const);
    const benchUsage = process.cpuUsage(this.bench);
    used.push(['PostgreSQL (this database)', postgresTicks / CLOCK_TICKS], ['bench', (benchUsage.user + benchUsage.system) / 1e6]);
    return { wall, busy, cores, used };
  }

  async report(measured?: Awaited<ReturnType<CpuMeter['measure']>>): Promise<string> {
    const { wall, busy, cores, used } = measured ?? (await this.measure());
    const rest = busy - used.reduce((sum, [, cpuSeconds]) => sum + cpuSeconds, 0);
    const share = (cpuSeconds: number) => `${cpuSeconds.toFixed(1)} s (${((cpuSeconds / wall) * 100).toFixed(0)}%)`;
    return (
      `${wall.toFixed(1)} s wall on ${cores.toFixed(0)} cores, CPU s (% of one core): ` +
      used.map(([name, cpuSeconds]) => `${name} ${share(cpuSeconds)}`).join(', ') +
      `, rest of the machine ${share(Math.max(0, rest))}, idle ${share(Math.max(0, cores * wall - busy))}`
    );
  }
}

async function backendPids(sql: pg.Pool, database: string): Promise<number[]> {
  const { rows } = await sql.query(`select pid from pg_stat_activity where datname = $1`, [database]);
  return rows.map((row: { pid: number }) => row.pid);
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = ticks.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return { busy: total - ticks[3] - ticks[4], total };
}

/** Peak resident set size of a process so far, in KB (Linux VmHWM); 0 once it ended. */
export function peakRss(child: ChildProcess): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Every request of the bench gives up after this long, so a stuck process fails the run instead of hanging it. */
const REQUEST_TIMEOUT_MS = 60_000;

export async function login(base: string, email = 'admin@example.com', password = 'demo-password-1'): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`login as ${email} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

export async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'accept-language': 'en', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Uploads a file as an import (multipart, as the API documents it) and returns its id. */
export async function upload(base: string, token: string, fields: Record<string, string>, fileName: string, content: Buffer): Promise<string> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([content]), fileName);
  const response = await fetch(`${base}/api/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' },
    body: form,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Top functions by self time of the CPU profile(s) in `dir` (node --cpu-prof), and the same by package or source folder. */
export function printProfile(dir: string) {
  const files = (() => {
    try {
      return readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    } catch {
      return [];
    }
  })();
  if (files.length === 0) {
    process.stdout.write(`\nNo CPU profile in ${dir}: the process did not exit cleanly\n`);
    return;
  }
  // BENCH_PROFILE_KEEP=<dir>: the profiles are copied there too (the bench's own directory is removed at its end).
  const keep = process.env.BENCH_PROFILE_KEEP;
  if (keep) for (const file of files) cpSync(join(dir, file), join(keep, file));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
    const intervalUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
    const byFunction = new Map<string, number>();
    const byPlace = new Map<string, number>();
    let total = 0;
    let idle = 0;
    for (const node of profile.nodes) {
      const us = (node.hitCount ?? 0) * intervalUs;
      if (us === 0) continue;
      total += us;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') idle += us;
      const where = shortUrl(url);
      const key = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const place = placeOf(url, functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    }
    const busy = total - idle;
    process.stdout.write(
      `\nCPU profile ${file}: ${seconds(total / 1000)} sampled every ${intervalUs.toFixed(0)} us, busy (not idle) ${seconds(busy / 1000)}\n` +
        `  self ms   %total  %busy  function\n`,
    );
    const line = ([name, us]: [string, number]) =>
      `  ${(us / 1000).toFixed(0).padStart(7)}  ${((us / total) * 100).toFixed(1).padStart(6)}  ${name === '(idle)' ? '     -' : ((us / busy) * 100).toFixed(1).padStart(6)}  ${name}\n`;
    for (const entry of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(line(entry));
    process.stdout.write('  by package / source folder:\n');
    for (const entry of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(line(entry));
  }
}

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path;
}

/** node_modules/<package>, dist/src/modules/<m>/<layer>/<folder>, dist/libs/<lib>, node:internals, or V8's own entries. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = shortUrl(url);
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules) return `node_modules/${modules[1]}`;
  if (path.startsWith('node:')) return 'node: internals';
  const parts = path.split('/');
  if (parts[1] === 'src' && parts[2] === 'modules') return parts.slice(0, Math.min(parts.length - 1, 6)).join('/');
  return parts.slice(0, Math.min(parts.length - 1, 3)).join('/');
}
