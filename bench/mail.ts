/**
 * npm run bench:mail — welcome mails through the whole pipeline: WelcomeMailRequested events in the outbox
 * (batched, as a users import writes them: one outbox message per chunk of 1,000) -> the delivery log ->
 * `mail` jobs -> the pooled SMTP transport -> a local SMTP sink (the MailCatcher, in this process), which is
 * restarted once when half the mails have arrived. The compiled app runs as its own process (ROLE=all).
 * Prints mails/s from the first event to the last 'sent' in the log, and checks that every user received
 * exactly one mail and every delivery is logged sent.
 * Options: --mails N (default 10000), --down-ms N (how long the sink is down, default 1000), --no-restart.
 * Uses DATABASE_URL / REDIS_URL when set, else 127.0.0.1 defaults. MAIL_* variables pass through to the app.
 * BENCH_PROFILE=<dir>: the app runs with --cpu-prof and writes its profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findFreePort } from '#libs/runtime/free-port.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';
import { NODE_FLAGS } from '#libs/runtime/node-flags.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const MAILS = option('mails', 10_000);
const DOWN_MS = option('down-ms', 1000);
const RESTART = !args.includes('--no-restart');
const TARGET_PER_SECOND = 300;
const EVENTS_PER_MESSAGE = 1000;
const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cit-bench-mail-'));
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `cit_bench_mail_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const sink = new MailCatcher(100);
  await sink.start();
  const port = await findFreePort();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `cit_bench_mail_${Date.now()}`;
  let app: ChildProcess | undefined;
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    app = spawn(process.execPath, [...NODE_FLAGS, ...profile, MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        SMTP_URL: sink.url,
        PORT: String(port),
        DATA_DIR: join(work, 'data'),
        QUEUE_PREFIX: queuePrefix,
        SEED_DEMO_DATA: 'false',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        AUTH_TOKEN_SECRET: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'app ready');

    const users = (
      await sql.query<{ id: string; email: string }>(
        `insert into users (id, email, first_name, last_name, language, created_at, updated_at)
         select gen_random_uuid(), 'bench' || n || '@example.com', 'User' || n, 'Bench', case when n % 2 = 0 then 'nl' else 'en' end, now(), now()
           from generate_series(1, $1) as n
         returning id, email`,
        [MAILS],
      )
    ).rows;
    process.stdout.write(`Mail benchmark (${new Date().toISOString()}): ${MAILS} welcome mails, SMTP sink ${RESTART ? `restarted once (${DOWN_MS} ms down) at half` : 'not restarted'}\n`);

    const half = Math.floor(MAILS / 2);
    let restartedAt: number | undefined;
    const restarted = RESTART
      ? sink.waitFor(() => sink.received >= half, 600_000).then(async () => {
          restartedAt = sink.received;
          await sink.restart(DOWN_MS);
        })
      : Promise.resolve();

    const appCpuBefore = cpuSeconds(app.pid!);
    const sinkCpuBefore = process.cpuUsage();
    const started = performance.now();
    const client = await sql.connect();
    try {
      await client.query('begin');
      for (let start = 0; start < users.length; start += EVENTS_PER_MESSAGE) {
        const payloads = users.slice(start, start + EVENTS_PER_MESSAGE).map((u, i) => ({
          userId: u.id,
          email: u.email,
          firstName: `User${start + i + 1}`,
          language: (start + i + 1) % 2 === 0 ? 'nl' : 'en',
          requestedBy: null,
          importId: null,
        }));
        await client.query(`insert into outbox_messages (id, event_type, payload, occurred_at) values ($1, 'users.welcome-mail-requested.v1', $2::jsonb, now())`, [
          randomUUID(),
          JSON.stringify({ $batch: payloads }),
        ]);
      }
      await client.query('commit');
    } finally {
      client.release();
    }

    let lastReport = 0;
    await waitFor(async () => {
      const { rows } = await sql.query<{ status: string; count: string }>(`select status, count(*) as count from mail_deliveries group by status`);
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
      if (performance.now() - lastReport > 2000) {
        lastReport = performance.now();
        process.stdout.write(`  ${seconds(performance.now() - started)}: ${JSON.stringify(byStatus)}, sink received ${sink.received}\n`);
      }
      return (byStatus.sent ?? 0) + (byStatus.failed ?? 0) >= MAILS;
    }, 600_000, 'every delivery sent');
    const elapsedMs = performance.now() - started;
    const appCpu = cpuSeconds(app.pid!) - appCpuBefore;
    const sinkCpu = process.cpuUsage(sinkCpuBefore);
    await restarted;

    const counts = sink.counts();
    const missing = users.filter((u) => (counts.get(u.email) ?? 0) === 0).length;
    const duplicated = users.filter((u) => (counts.get(u.email) ?? 0) > 1).length;
    const { rows: log } = await sql.query<{ status: string; count: string; retried: string }>(
      `select status, count(*) as count, count(*) filter (where attempts > 1) as retried from mail_deliveries group by status`,
    );
    const rate = MAILS / (elapsedMs / 1000);
    process.stdout.write(
      `  ${MAILS} mails in ${seconds(elapsedMs)} = ${Math.round(rate)} mails/s | target >= ${TARGET_PER_SECOND} mails/s ${rate >= TARGET_PER_SECOND ? 'MET' : 'MISSED'}\n` +
        `  CPU during the run: app ${appCpu.toFixed(1)} s (${((appCpu * 1000) / MAILS).toFixed(2)} ms/mail), this process (SMTP sink, polling) ${((sinkCpu.user + sinkCpu.system) / 1e6).toFixed(1)} s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n` +
        `  sink restarted after ${restartedAt ?? '-'} mails; delivery log: ${log.map((r) => `${r.status} ${r.count} (retried ${r.retried})`).join(', ')}\n` +
        `  exactly one mail per user: ${missing === 0 && duplicated === 0 ? 'YES' : `NO (${missing} without, ${duplicated} with more than one)`}\n`,
    );
    if (missing > 0 || duplicated > 0) process.exitCode = 1;
  } finally {
    app?.kill('SIGTERM');
    if (app && app.exitCode === null) await Promise.race([new Promise((r) => app!.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
    app?.kill('SIGKILL');
    await sql.end();
    await sink.stop();
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`).catch(() => {});
    await client.end();
    rmSync(work, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

function withDatabase(url: string, database: string) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
