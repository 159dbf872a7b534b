/**
 * npm run bench:users — the users import and the welcome mails, end to end through the real API (ROLE=api)
 * and a separate worker process (ROLE=worker), against real PostgreSQL, Redis and a real SMTP server in
 * this process. Figures are printed with whether each target is met, never asserted:
 *   1. Import: a --rows (100,000) row CSV (email, first name, last name, user code, language), half new
 *      users, half updates of users the bench inserted beforehand with SQL (their names change), uploaded
 *      as the demo platform admin with type `users`, autoConfirm=true, the headers exactly the type's
 *      English column headers (so the suggested mapping is complete) and welcomeMail 'none'; timed from the
 *      upload to the import's finished_at. Target <= 10 s. Baseline of the same run: psql \copy of the same
 *      CSV into a staging table + INSERT ... SELECT ... ON CONFLICT (lower(email)) DO UPDATE into a copy of
 *      the users table in a scratch schema. Then checked with SQL: every row succeeded, half created, half
 *      updated (names, codes and languages as in the file), no user twice, no mail sent.
 *   2. Mail: an import of --mails (10,000) new users with welcomeMail 'all'; the SMTP sink counts every
 *      accepted mail per recipient and is restarted once on the same port when about half arrived (stopped,
 *      ~1 s down, started again). mails/s from the first to the last accepted welcome mail (target >= 300),
 *      then: every new user got exactly one mail (0 missing, 0 duplicates) and table mail_deliveries
 *      shows all of them sent.
 *   Both parts also print the CPU seconds of worker, API and PostgreSQL per 1,000 rows / mails; part 1 the
 *   rows written per table (pg_stat_user_tables).
 * Options: --rows N, --mails N, --skip-import (part 1, baseline included), --skip-mail, --baseline-only
 *          (only the baseline, no import type needed), --timeout S (the longest wait for an import or for
 *          the mails, default 600), --stall S (the mail wait gives up when no mail arrived for S seconds,
 *          default 60). DATABASE_URL / REDIS_URL when set, else 127.0.0.1 defaults.
 *          BENCH_PROFILE=worker (or api): that process runs with --cpu-prof; its top functions are printed.
 *          BENCH_LOG_LEVEL=info: the processes' logs go to $TMPDIR/cit-bench-<role>.log.
 * Every wait has a deadline: when the users import type or the mail delivery is missing, the run ends
 * with a message that says which, after printing what it measured.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { findFreePort } from '#libs/runtime/free-port.js';
import {
  call,
  CpuMeter,
  flag,
  login,
  mb,
  met,
  numberOption,
  peakRss,
  printProfile,
  printSummary,
  report,
  RssSampler,
  seconds,
  sleep,
  start,
  stop,
  upload,
  waitFor,
  withDatabase,
} from './support.js';

const ROWS = numberOption('rows', 100_000);
const MAILS = numberOption('mails', 10_000);
const SKIP_IMPORT = flag('skip-import');
const SKIP_MAIL = flag('skip-mail');
const BASELINE_ONLY = flag('baseline-only');
const TIMEOUT_MS = numberOption('timeout', 600) * 1000;
const STALL_MS = numberOption('stall', 60) * 1000;
const PROFILE = process.env.BENCH_PROFILE;

const IMPORT_TARGET_MS = 10_000;
const MAIL_TARGET_PER_SECOND = 300;
/** Users the bench inserts before the import are created "long ago": the import's new users are not. */
const SEEDED_AT = '2020-01-01T00:00:00Z';
const USER_COLUMNS = ['email', 'firstName', 'lastName', 'userCode', 'language'] as const;
type UserColumn = (typeof USER_COLUMNS)[number];

/** Row i (1-based) of the import file: odd rows update a user the bench inserted, even rows are new users. */
const importUser = (i: number) => ({
  email: `bench.u${i}@example.com`,
  firstName: `First${i}`,
  lastName: `Last ${i}`,
  userCode: `BU-${String(i).padStart(7, '0')}`,
  language: i % 3 === 0 ? 'nl' : 'en',
  existing: i % 2 === 1,
});
const mailUser = (i: number) => ({
  email: `bench.m${i}@example.com`,
  firstName: `Mail${i}`,
  lastName: `Receiver ${i}`,
  userCode: `BM-${String(i).padStart(7, '0')}`,
  language: i % 2 === 0 ? 'nl' : 'en',
});

async function main() {
  if (ROWS < 2 || MAILS < 2) throw new Error('--rows and --mails need at least 2');
  const work = mkdtempSync(join(tmpdir(), 'cit-bench-users-'));
  const profileDir = join(work, 'profile');
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const database = `cit_bench_users_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const sink = new SmtpSink();
  await sink.start(await findFreePort());
  const port = await findFreePort();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SMTP_URL: sink.url,
    PORT: String(port),
    DATA_DIR: join(work, 'data'),
    QUEUE_PREFIX: `cit_bench_users_${Date.now()}`,
    SEED_DEMO_DATA: 'true',
    LOG_LEVEL: 'warn',
    AUTH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    IMPORT_MAX_ROWS: String(Math.max(ROWS, MAILS, 250_000)),
    RATE_LIMIT_MAX: '1000000',
  };
  const children: ChildProcess[] = [];
  let sql: pg.Pool | undefined;
  const cleanup = async () => {
    await sql?.end().catch(() => {});
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => Promise.race([new Promise((r) => c.once('exit', r)), sleep(5000, { unref: true })])));
    for (const child of children) child.kill('SIGKILL');
    await sink.stop();
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`).catch(() => {});
    await client.end();
    rmSync(work, { recursive: true, force: true });
  };
  const benchStarted = performance.now();
  try {
    process.stdout.write(`Users import and welcome mail benchmark (${new Date().toISOString()}), ${ROWS} rows, ${MAILS} mails, API and worker in separate processes\n`);
    const api = await start(env, 'api', children, PROFILE === 'api' ? profileDir : undefined);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.ok === true, 60_000, 'API ready');
    const token = await login(base);
    sql = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    const context: Context = { base, token, sql, env, children, database, api, sink, profileDir };

    const csvPath = join(work, 'users.csv');
    if (!SKIP_IMPORT || BASELINE_ONLY) {
      await seedExistingUsers(sql, ROWS);
      // The rows without a header: the upload puts the type's own headers above the same rows.
      writeFileSync(csvPath, csvBody(ROWS, importUser));
      const baseline = copyBaseline(databaseUrl, csvPath);
      const baselineCheck = await checkUsers(sql, 'bench_baseline.users', ROWS);
      report({
        name: `baseline: psql \\copy + INSERT ... ON CONFLICT (lower(email)) DO UPDATE of ${ROWS} user rows (scratch schema)`,
        figure: `${seconds(baseline.totalMs)} (copy ${seconds(baseline.copyMs)}, upsert ${seconds(baseline.upsertMs)}) = ${Math.round(ROWS / (baseline.totalMs / 1000))} rows/s; ${describeCheck(baselineCheck)}`,
        verdict: `correct ${met(baselineCheck.ok)}`,
      });
      if (!BASELINE_ONLY) await benchImport({ ...context, baselineMs: baseline.totalMs });
    }
    if (!SKIP_MAIL && !BASELINE_ONLY) await benchMail(context);
    await stopAll(children, profileDir);
    printSummary(performance.now() - benchStarted);
  } catch (error) {
    printSummary(performance.now() - benchStarted);
    throw error;
  } finally {
    await cleanup();
  }
}

interface Context {
  base: string;
  token: string;
  sql: pg.Pool;
  env: NodeJS.ProcessEnv;
  children: ChildProcess[];
  database: string;
  api: ChildProcess;
  sink: SmtpSink;
  profileDir: string;
}

let worker: ChildProcess | undefined;

/** The worker runs from the first import on; the worker profile (BENCH_PROFILE=worker) covers both parts. */
async function ensureWorker(context: Context): Promise<ChildProcess> {
  worker ??= await start(context.env, 'worker', context.children, PROFILE === 'worker' ? context.profileDir : undefined);
  return worker;
}

async function stopAll(children: ChildProcess[], profileDir: string) {
  if (worker) await stop(worker);
  if (PROFILE === 'worker') printProfile(profileDir);
  for (const child of children) await stop(child);
  if (PROFILE === 'api') printProfile(profileDir);
}

// ---- 1. The users import against the COPY baseline ----

async function benchImport(context: Context & { baselineMs: number }) {
  const { base, token, sql, sink } = context;
  const headers = await usersTypeHeaders(base, token);
  // The same rows the baseline read, under the type's own English headers.
  const content = Buffer.from(csvLine(USER_COLUMNS.map((key) => headers[key])) + csvBody(ROWS, importUser));
  const workerProcess = await ensureWorker(context);
  const rss = new RssSampler(workerProcess.pid!);
  const apiRss = new RssSampler(context.api.pid!);
  const cpu = await CpuMeter.start({ worker: workerProcess.pid!, api: context.api.pid! }, sql, context.database);
  const writesBefore = await tableWrites(sql);
  const run = await runImport(base, token, sql, content, { welcomeMail: 'none' });
  rss.stop();
  apiRss.stop();
  const cpuUsed = await cpu.measure();
  const cpuLine = await cpu.report(cpuUsed);
  const rate = ROWS / (run.totalMs / 1000);
  const ratio = run.totalMs / context.baselineMs;
  report({
    name: `users import, ${ROWS}-row CSV (half new, half updates), autoConfirm, welcomeMail none, upload to completed`,
    figure: `${seconds(run.totalMs)} = ${Math.round(rate)} rows/s (${run.total} rows: ${run.succeeded} succeeded, ${run.failed} failed, ${run.skipped} skipped); worker peak RSS ${mb(rss.peakKb)} (VmHWM ${mb(peakRss(workerProcess))}), API ${mb(apiRss.peakKb)}`,
    baseline: `COPY + upsert ${seconds(context.baselineMs)} -> ${ratio.toFixed(1)}x`,
    verdict: `target <= ${IMPORT_TARGET_MS / 1000} s ${met(run.totalMs <= IMPORT_TARGET_MS)}`,
  });
  const t = run.times;
  report({
    name: '  stages',
    figure:
      `upload (HTTP) ${seconds(run.uploadMs)}, queued ${seconds(t.started - t.created)}, preview read ${seconds(t.parsed - t.started)}, ` +
      `staging ${seconds(t.staged - t.parsed)}, run ${seconds(t.finished - t.staged)} = ${Math.round(ROWS / ((t.finished - t.staged) / 1000))} rows/s`,
  });
  report({ name: '  CPU during the import', figure: cpuLine });
  report({ name: '  CPU per 1,000 rows (varies less with other load than the wall clock)', figure: perUnit(cpuUsed.used, ROWS / 1000) });
  const check = await checkUsers(sql, 'public.users', ROWS);
  // Any mail to an imported user; give a welcome mail that was wrongly requested a moment to arrive.
  await sleep(2000);
  const mailsDuring = sink.countTo((recipient) => recipient.startsWith('bench.u'));
  report({ name: '  rows written per table (pg_stat_user_tables, inserted/updated/deleted; flushed lazily, so approximate)', figure: writesSince(writesBefore, await tableWrites(sql)) });
  const allSucceeded = run.succeeded === ROWS && run.failed === 0 && run.skipped === 0;
  report({
    name: '  correctness (SQL)',
    figure: `import counts ${run.succeeded}/${ROWS} succeeded; ${describeCheck(check)}; mails sent with welcomeMail none: ${mailsDuring}`,
    verdict: `${ROWS} succeeded, ${Math.floor(ROWS / 2)} created, ${Math.ceil(ROWS / 2)} updated: ${met(allSucceeded && check.ok && mailsDuring === 0)}`,
  });
}

/** The English header of each column the bench fills, from GET /api/import-types; a clear failure when the type is not there. */
async function usersTypeHeaders(base: string, token: string): Promise<Record<UserColumn, string>> {
  const types = (await call(base, token, 'GET', '/api/import-types')) as { key: string; columns: { key: string; header: string }[]; options: { key: string; values?: string[] }[] }[];
  const users = types.find((type) => type.key === 'users');
  if (!users) {
    throw new Error(
      `the import type 'users' is not offered to the platform admin (GET /api/import-types lists: ${types.map((type) => type.key).join(', ')}). ` +
        'It comes with the users import (branch e8-users): build a tree that has it, then run the bench again; --baseline-only measures the baseline alone.',
    );
  }
  const missing = USER_COLUMNS.filter((key) => !users.columns.some((column) => column.key === key));
  if (missing.length > 0) throw new Error(`the users import type has no column ${missing.join(', ')} (its columns: ${users.columns.map((column) => column.key).join(', ')})`);
  const welcome = users.options.find((option) => option.key === 'welcomeMail');
  if (!welcome) throw new Error(`the users import type has no option welcomeMail (its options: ${users.options.map((option) => option.key).join(', ')})`);
  return Object.fromEntries(USER_COLUMNS.map((key) => [key, users.columns.find((column) => column.key === key)!.header])) as Record<UserColumn, string>;
}

// ---- 2. Welcome mails through an SMTP sink that restarts once ----

async function benchMail(context: Context) {
  const { base, token, sql, sink } = context;
  const headers = await usersTypeHeaders(base, token);
  const content = Buffer.from(csvLine(USER_COLUMNS.map((key) => headers[key])) + csvBody(MAILS, mailUser));
  const expected = new Set(Array.from({ length: MAILS }, (_, i) => mailUser(i + 1).email));
  const workerProcess = await ensureWorker(context);
  const rss = new RssSampler(workerProcess.pid!);
  const cpu = await CpuMeter.start({ worker: workerProcess.pid!, api: context.api.pid! }, sql, context.database);
  sink.watch(expected, Math.ceil(MAILS / 2));
  const run = await runImport(base, token, sql, content, { welcomeMail: 'all' });
  // The CPU a mail costs, counted from the end of the import (its own work done) over the mails after it.
  const mailCpu = await CpuMeter.start({ worker: workerProcess.pid!, api: context.api.pid! }, sql, context.database);
  const mailsBeforeMeter = sink.statsOf(expected).accepted;
  report({
    name: `users import of ${MAILS} new users, welcomeMail all`,
    figure: `${seconds(run.totalMs)} upload to completed (${run.succeeded} succeeded, ${run.failed} failed, ${run.skipped} skipped)`,
  });

  // Waits until every expected recipient got a mail, no mail came for --stall seconds, or --timeout passed.
  const deadline = Date.now() + TIMEOUT_MS;
  let lastProgress = Date.now();
  let seen = -1;
  let stalled = false;
  for (;;) {
    const received = sink.receivedOf(expected);
    if (received !== seen) {
      seen = received;
      lastProgress = Date.now();
    }
    if (received === MAILS && !sink.restarting) break;
    if (Date.now() - lastProgress > STALL_MS || Date.now() > deadline) {
      stalled = true;
      break;
    }
    await sleep(200);
  }
  // Late duplicates (a resend of a mail the sink had accepted just before it stopped) get a moment to arrive.
  const mailCpuUsed = await mailCpu.measure();
  const mailsMetered = sink.statsOf(expected).accepted - mailsBeforeMeter;
  await sleep(3000);
  rss.stop();
  const cpuLine = await cpu.report();
  const stats = sink.statsOf(expected);
  const spanMs = stats.lastAt - stats.firstAt;
  const rate = stats.accepted > 1 && spanMs > 0 ? (stats.accepted - 1) / (spanMs / 1000) : 0;
  const restart = sink.restart;
  report({
    name: `welcome mails to the SMTP sink, first to last accepted`,
    figure:
      (stats.accepted === 0
        ? 'no welcome mail arrived'
        : `${stats.accepted} accepted in ${seconds(spanMs)} = ${Math.round(rate)} mails/s; first mail ${seconds(stats.firstAt - run.uploadedAt)} after the upload`) +
      (stalled ? `; gave up waiting: no new mail for ${STALL_MS / 1000} s or --timeout passed` : ''),
    verdict: `target >= ${MAIL_TARGET_PER_SECOND} mails/s ${met(rate >= MAIL_TARGET_PER_SECOND && !stalled)}`,
  });
  if (restart) {
    const resumedMs = restart.firstAfter === undefined ? undefined : restart.firstAfter - restart.startedAt;
    const withoutOutage = stats.accepted > 1 ? (stats.accepted - 1) / ((spanMs - (restart.firstAfter ?? restart.startedAt) + restart.stoppedAt) / 1000) : 0;
    report({
      name: '  sink restart',
      figure:
        `stopped after ${restart.atCount} mails, down ${seconds(restart.startedAt - restart.stoppedAt)} (close ${seconds(restart.closedAt - restart.stoppedAt)} + 1 s); ` +
        `first mail after it ${resumedMs === undefined ? 'never came' : `${seconds(resumedMs)} after the restart`}; ` +
        `rate without the outage ${Math.round(withoutOutage)} mails/s`,
    });
  } else {
    report({ name: '  sink restart', figure: `did not happen (fewer than ${Math.ceil(MAILS / 2)} mails arrived)` });
  }
  report({ name: '  CPU from the upload to the last mail (+3 s)', figure: cpuLine });
  if (mailsMetered > 0) {
    report({ name: `  CPU per 1,000 mails (the ${mailsMetered} after the import completed; varies less with other load)`, figure: perUnit(mailCpuUsed.used, mailsMetered / 1000) });
  }
  report({ name: '  worker peak RSS during the mails', figure: mb(rss.peakKb) });
  const exactlyOnce = stats.missing === 0 && stats.duplicates === 0;
  report({
    name: '  every new user exactly one mail (counted per recipient at the sink)',
    figure: `${stats.recipients}/${MAILS} recipients, ${stats.missing} missing, ${stats.duplicates} duplicate mails (to ${stats.recipientsWithDuplicates} recipients), ${sink.others} other mails`,
    verdict: met(exactlyOnce),
  });
  const deliveries = await deliveryLog(sql, expected);
  report({ name: '  delivery log (mail_deliveries)', figure: deliveries.figure, verdict: deliveries.verdict });
}

/** The delivery log of helper B's Notifications: its columns are read from the catalog, not assumed. */
async function deliveryLog(sql: pg.Pool, expected: Set<string>): Promise<{ figure: string; verdict: string }> {
  const { rows: columns } = await sql.query(`select column_name from information_schema.columns where table_schema = 'public' and table_name = 'mail_deliveries'`);
  const names = columns.map((row: { column_name: string }) => row.column_name);
  if (names.length === 0) return { figure: 'table mail_deliveries does not exist (Notifications delivery, branch e8-notify)', verdict: 'all sent MISSED' };
  const recipient = ['recipient_email', 'recipient', 'to_address', 'email', 'to', 'address'].find((name) => names.includes(name));
  const status = ['status', 'state'].find((name) => names.includes(name));
  if (!status) return { figure: `mail_deliveries has no status column (columns: ${names.join(', ')})`, verdict: 'all sent MISSED' };
  const conditions = [
    ...(recipient ? [`lower(${quote(recipient)}) like 'bench.m%@example.com'`] : []),
    ...(names.includes('template') ? [`template = 'welcome'`] : []),
  ];
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const { rows } = await sql.query(`select ${quote(status)} as status, count(*)::int as count${recipient ? `, count(distinct lower(${quote(recipient)}))::int as recipients` : ''} from mail_deliveries ${where} group by 1 order by 2 desc`);
  const byStatus = rows as { status: string; count: number; recipients?: number }[];
  const sent = byStatus.find((row) => row.status === 'sent');
  const total = byStatus.reduce((sum, row) => sum + row.count, 0);
  const figure = `${byStatus.map((row) => `${row.status} ${row.count}${row.recipients === undefined ? '' : ` (${row.recipients} recipients)`}`).join(', ') || 'no rows'}${recipient ? '' : ' (no recipient column: every row counted)'}`;
  const allSent = sent !== undefined && sent.count === expected.size && total === expected.size && (sent.recipients === undefined || sent.recipients === expected.size);
  return { figure, verdict: `${expected.size} sent, nothing else: ${met(allSent)}` };
}

type TableWrites = Map<string, { inserted: number; updated: number; deleted: number }>;

/** Rows each table of the bench's database has had inserted, updated and deleted so far (the statistics other backends flushed). */
async function tableWrites(sql: pg.Pool): Promise<TableWrites> {
  const { rows } = await sql.query(`select relname, n_tup_ins::bigint as ins, n_tup_upd::bigint as upd, n_tup_del::bigint as del from pg_stat_user_tables`);
  return new Map(rows.map((row: { relname: string; ins: string; upd: string; del: string }) => [row.relname, { inserted: Number(row.ins), updated: Number(row.upd), deleted: Number(row.del) }]));
}

/** The tables written most between two snapshots: where PostgreSQL's share of an import goes. */
function writesSince(before: TableWrites, after: TableWrites): string {
  const changes = [...after].map(([table, now]) => {
    const then = before.get(table) ?? { inserted: 0, updated: 0, deleted: 0 };
    return { table, inserted: now.inserted - then.inserted, updated: now.updated - then.updated, deleted: now.deleted - then.deleted };
  });
  const total = (change: { inserted: number; updated: number; deleted: number }) => change.inserted + change.updated + change.deleted;
  return (
    changes
      .filter((change) => total(change) > 0)
      .sort((a, b) => total(b) - total(a))
      .slice(0, 10)
      .map((change) => `${change.table} ${change.inserted}/${change.updated}/${change.deleted}`)
      .join(', ') || 'none'
  );
}

/** CPU seconds per unit of work of each process (the bench's own left out): varies much less with the machine's other load than the wall clock. */
const perUnit = (used: (readonly [string, number])[], units: number) =>
  used
    .filter(([name]) => name !== 'bench')
    .map(([name, cpuSeconds]) => `${name} ${(cpuSeconds / units).toFixed(2)} s`)
    .join(', ');

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * A real SMTP server that counts accepted mails per recipient (the body is drained, not parsed: 10,000
 * mails are no work for the bench) and restarts itself once when `restartAt` mails of the watched
 * recipients arrived: stopped (new commands answered 421, connections closed after 0.5 s), ~1 s down,
 * then listening again on the same port.
 */
class SmtpSink {
  private server?: SMTPServer;
  private port = 0;
  private readonly perRecipient = new Map<string, number>();
  private readonly times: { first?: number; last?: number } = {};
  private watched = new Set<string>();
  private restartAt = Number.POSITIVE_INFINITY;
  private acceptedWatched = 0;
  total = 0;
  others = 0;
  restarting = false;
  restart?: { atCount: number; stoppedAt: number; closedAt: number; startedAt: number; firstAfter?: number };

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(port: number): Promise<void> {
    this.port = port;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 500,
      size: 50 * 1024 * 1024,
      onData: (stream, session, callback) => {
        stream.on('data', () => {});
        stream.on('end', () => {
          this.accepted(session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()));
          callback();
        });
      },
    });
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(port, '127.0.0.1', () => resolveListen());
    });
    server.on('error', (error) => process.stderr.write(`SMTP sink: ${error.message}\n`));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  }

  /** Counts the mails to `recipients` from now on, and restarts once at `restartAt` of them. */
  watch(recipients: Set<string>, restartAt: number) {
    this.watched = recipients;
    this.restartAt = restartAt;
  }

  countTo(matches: (recipient: string) => boolean): number {
    let count = 0;
    for (const [recipient, mails] of this.perRecipient) if (matches(recipient)) count += mails;
    return count;
  }

  receivedOf(recipients: Set<string>): number {
    let count = 0;
    for (const recipient of recipients) if (this.perRecipient.has(recipient)) count++;
    return count;
  }

  statsOf(recipients: Set<string>) {
    let received = 0;
    let duplicates = 0;
    let recipientsWithDuplicates = 0;
    for (const recipient of recipients) {
      const count = this.perRecipient.get(recipient) ?? 0;
      if (count > 0) received++;
      if (count > 1) {
        duplicates += count - 1;
        recipientsWithDuplicates++;
      }
    }
    return {
      accepted: this.acceptedWatched,
      recipients: received,
      missing: recipients.size - received,
      duplicates,
      recipientsWithDuplicates,
      firstAt: this.times.first ?? 0,
      lastAt: this.times.last ?? 0,
    };
  }

  private accepted(recipients: string[]) {
    this.total++;
    const now = Date.now();
    let watched = false;
    for (const recipient of recipients) {
      this.perRecipient.set(recipient, (this.perRecipient.get(recipient) ?? 0) + 1);
      if (this.watched.has(recipient)) watched = true;
    }
    if (!watched) {
      this.others++;
      return;
    }
    this.acceptedWatched++;
    this.times.first ??= now;
    this.times.last = now;
    if (this.restart && this.restart.firstAfter === undefined && !this.restarting) this.restart.firstAfter = now;
    if (!this.restart && this.acceptedWatched >= this.restartAt) void this.restartOnce();
  }

  private async restartOnce() {
    this.restarting = true;
    const stoppedAt = Date.now();
    this.restart = { atCount: this.acceptedWatched, stoppedAt, closedAt: stoppedAt, startedAt: stoppedAt };
    await this.stop();
    this.restart.closedAt = Date.now();
    await sleep(1000);
    try {
      await this.start(this.port);
    } catch (error) {
      process.stderr.write(`SMTP sink could not listen again on port ${this.port}: ${(error as Error).message}\n`);
    }
    this.restart.startedAt = Date.now();
    this.restarting = false;
  }
}

// ---- Shared by both parts ----

const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'];

interface ImportTimes {
  created: number;
  started: number;
  parsed: number;
  staged: number;
  finished: number;
}

/**
 * Uploads a users CSV (autoConfirm, validateOnly=false) and follows GET /api/imports/:id until it has
 * completed; every duration comes from the imports row's timestamps (epoch ms, the same host clock).
 */
async function runImport(base: string, token: string, sql: pg.Pool, content: Buffer, options: Record<string, unknown>) {
  const uploadedAt = Date.now();
  const id = await upload(base, token, { type: 'users', autoConfirm: 'true', validateOnly: 'false', options: JSON.stringify(options) }, 'users.csv', content);
  const uploadMs = Date.now() - uploadedAt;
  const deadline = Date.now() + TIMEOUT_MS;
  let detail: { status: string; failure: unknown; warnings?: unknown; preview?: unknown; counts?: { processed: number } };
  for (;;) {
    detail = (await call(base, token, 'GET', `/api/imports/${id}`)) as typeof detail;
    if (detail.status === 'completed' || detail.status === 'completed_with_errors') break;
    if (FINAL.includes(detail.status)) throw new Error(`users import ${id} ended ${detail.status}: ${JSON.stringify(detail.failure)}`);
    if (detail.status === 'awaiting_mapping') {
      throw new Error(`users import ${id} stopped in awaiting_mapping although its headers are the type's own: ${JSON.stringify(detail.preview)}`);
    }
    if (detail.status === 'awaiting_confirmation') {
      throw new Error(`users import ${id} stopped in awaiting_confirmation although autoConfirm=true: warnings ${JSON.stringify(detail.warnings)}`);
    }
    if (Date.now() > deadline) throw new Error(`users import ${id} still ${detail.status} after ${TIMEOUT_MS / 1000} s (${JSON.stringify(detail.counts)})`);
    await sleep(200);
  }
  const epoch = (column: string) => `extract(epoch from ${column}_at) * 1000 as ${column}`;
  const { rows } = await sql.query(
    `select total_rows, succeeded_rows, failed_rows, skipped_rows, ${['created', 'started', 'parsed', 'staged', 'finished'].map(epoch).join(', ')} from imports where id = $1`,
    [id],
  );
  const row = rows[0] as Record<string, string>;
  const times = Object.fromEntries(['created', 'started', 'parsed', 'staged', 'finished'].map((key) => [key, Number(row[key])])) as unknown as ImportTimes;
  return {
    id,
    uploadedAt,
    uploadMs,
    totalMs: times.finished - uploadedAt,
    times,
    total: Number(row.total_rows),
    succeeded: Number(row.succeeded_rows),
    failed: Number(row.failed_rows),
    skipped: Number(row.skipped_rows),
  };
}

const csvLine = (values: string[]) => `${values.map((value) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)).join(',')}\n`;

function csvBody(count: number, user: (i: number) => Record<UserColumn, string>): string {
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) {
    const row = user(i);
    parts.push(csvLine(USER_COLUMNS.map((key) => row[key])));
  }
  return parts.join('');
}

/** The users the odd rows update, as they were before: other names, created long ago. */
async function seedExistingUsers(sql: pg.Pool, rows: number) {
  await sql.query(
    `insert into users (id, user_code, email, first_name, last_name, language, status, profile, created_at, updated_at)
     select gen_random_uuid(), 'BU-' || lpad(i::text, 7, '0'), 'bench.u' || i || '@example.com', 'Before' || i, 'Previous ' || i, 'en', 'active', '{}', $2, $2
       from generate_series(1, $1, 2) as i`,
    [rows, SEEDED_AT],
  );
}

/**
 * The floor: the same rows via psql \copy into a staging table, then one INSERT ... SELECT ... ON CONFLICT
 * DO UPDATE into a copy of the users table (its columns, defaults and unique indexes) in the scratch schema
 * bench_baseline, which holds the same existing users. The app's tables are not touched.
 */
function copyBaseline(databaseUrl: string, csvPath: string): { copyMs: number; upsertMs: number; totalMs: number } {
  const script = `
    create schema bench_baseline;
    create table bench_baseline.users (like public.users including all);
    insert into bench_baseline.users select * from public.users where email like 'bench.u%@example.com';
    analyze bench_baseline.users;
    create temp table staging (email text, first_name text, last_name text, user_code text, language text);
    \\timing on
    \\copy staging from '${csvPath}' with (format csv)
    insert into bench_baseline.users (id, user_code, email, first_name, last_name, language, status, profile, created_at, updated_at)
      select gen_random_uuid(), s.user_code, s.email, s.first_name, s.last_name, s.language, 'active', '{}', now(), now() from staging s
      on conflict (lower(email)) where status <> 'deleted'
      do update set first_name = excluded.first_name, last_name = excluded.last_name, user_code = excluded.user_code,
                    language = excluded.language, updated_at = excluded.updated_at;
  `;
  const probe = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'select 1'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) throw new Error(`psql is needed for the COPY baseline: ${probe.stderr ?? probe.error?.message}`);
  const run = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script, encoding: 'utf8', timeout: TIMEOUT_MS });
  if (run.status !== 0) throw new Error(`baseline failed: ${run.stderr ?? run.error?.message}`);
  const timings = [...run.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((match) => Number(match[1]));
  if (timings.length !== 2) throw new Error(`baseline: expected the times of \\copy and the upsert from psql, got: ${run.stdout}`);
  return { copyMs: timings[0], upsertMs: timings[1], totalMs: timings[0] + timings[1] };
}

interface UsersCheck {
  ok: boolean;
  total: number;
  created: number;
  updated: number;
  wrong: number;
}

/**
 * What `rows` import rows must leave in `table`: one active user per row; the odd rows' users (seeded long
 * ago) now carry the file's names, code and language; the even rows' users are new with the same.
 */
async function checkUsers(sql: pg.Pool, table: string, rows: number): Promise<UsersCheck> {
  const { rows: result } = await sql.query(
    `with u as (
       select *, (regexp_match(email, '^bench\\.u(\\d+)@'))[1]::int as n from ${table} where email like 'bench.u%@example.com' and status = 'active'
     ), expected as (
       select *, first_name = 'First' || n and last_name = 'Last ' || n and user_code = 'BU-' || lpad(n::text, 7, '0')
                 and language = case when n % 3 = 0 then 'nl' else 'en' end as as_in_file
         from u
     )
     select count(*)::int as total,
            count(distinct lower(email))::int as distinct_emails,
            count(*) filter (where created_at > $1::timestamptz and as_in_file and n % 2 = 0)::int as created,
            count(*) filter (where created_at = $1::timestamptz and as_in_file and n % 2 = 1)::int as updated,
            count(*) filter (where not as_in_file or n > $2 or (created_at = $1::timestamptz) <> (n % 2 = 1))::int as wrong
       from expected`,
    [SEEDED_AT, rows],
  );
  const { total, distinct_emails: distinct, created, updated, wrong } = result[0] as { total: number; distinct_emails: number; created: number; updated: number; wrong: number };
  const ok = total === rows && distinct === rows && created === Math.floor(rows / 2) && updated === Math.ceil(rows / 2) && wrong === 0;
  return { ok, total, created, updated, wrong };
}

const describeCheck = (check: UsersCheck) => `${check.total} users: ${check.created} created, ${check.updated} updated, ${check.wrong} not as in the file`;

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
