/**
 * npm run bench:imports — end-to-end import benchmarks through the real API and a separate worker
 * process, against real PostgreSQL and Redis, with baselines measured in the same run:
 *   1. 100,000-row obtained-certificates XLSX: upload -> completed (log projected), rows/s, and the same
 *      rows loaded by psql \copy + INSERT ... SELECT ... ON CONFLICT (the floor) for the ratio.
 *   2. ~500 MB ZIP with 2,000 PDFs, and the same doubled: seconds and worker peak RSS (VmHWM).
 *   3. Parse-only time of every file, so the engine's own overhead is visible.
 * Options: --rows N (default 100000), --pdfs N (default 2000), --pdf-kb N (default 250), --skip-zip,
 *          --skip-double. Uses DATABASE_URL / REDIS_URL when set, else 127.0.0.1 defaults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { Writable } from 'node:stream';
import pg from 'pg';
import yazl from 'yazl';
import { findFreePort } from '#libs/runtime/free-port.js';
import { NODE_FLAGS } from '#libs/runtime/node-flags.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';
import { readSpreadsheet } from '#libs/spreadsheet/spreadsheet-reader.js';
import { XlsxStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';
import { SafeZip } from '#libs/zip/safe-zip.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const ROWS = option('rows', 100_000);
const PDFS = option('pdfs', 2000);
const PDF_KB = option('pdf-kb', 250);
const SKIP_ZIP = args.includes('--skip-zip');
const SKIP_DOUBLE = args.includes('--skip-double');
const USERS = 10_000;
const DEFINITIONS = ['VCA-BASIS', 'BHV', 'EHBO', 'FORKLIFT', 'NT2-B1'];
const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

interface Line {
  name: string;
  figure: string;
  baseline?: string;
  verdict?: string;
}
const lines: Line[] = [];
const report = (line: Line) => {
  lines.push(line);
  process.stdout.write(`  ${line.name}: ${line.figure}${line.baseline ? ` | baseline: ${line.baseline}` : ''}${line.verdict ? ` | ${line.verdict}` : ''}\n`);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cit-bench-'));
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const database = `cit_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const mail = new MailCatcher();
  await mail.start();
  const port = await findFreePort();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SMTP_URL: mail.url,
    PORT: String(port),
    DATA_DIR: join(work, 'data'),
    QUEUE_PREFIX: `cit_bench_${Date.now()}`,
    SEED_DEMO_DATA: 'true',
    LOG_LEVEL: 'warn',
    AUTH_TOKEN_SECRET: randomBytes(32).toString('hex'),
    IMPORT_MAX_UPLOAD_BYTES: String(1100 * 1024 ** 2),
    IMPORT_ZIP_MAX_UNCOMPRESSED_BYTES: String(4 * 1024 ** 3),
    IMPORT_MAX_ROWS: String(Math.max(ROWS, 250_000)),
  };
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.filter((c) => c.exitCode === null).map((c) => Promise.race([new Promise((r) => c.once('exit', r)), new Promise((r) => setTimeout(r, 5000))])),
    );
    for (const child of children) child.kill('SIGKILL');
    await mail.stop();
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`).catch(() => {});
    await client.end();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    process.stdout.write(`Credential Import benchmark (${new Date().toISOString()}), ${ROWS} rows, ${PDFS} PDFs x ${PDF_KB} KB\n`);
    const api = await start(env, 'api', children);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'API ready');
    const token = await login(base);
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    await seedUsers(sql);

    // ---- 1. 100k-row XLSX ----
    const xlsxPath = join(work, 'certificates.xlsx');
    const rows = certificateRows(ROWS);
    await writeXlsx(xlsxPath, rows);
    const parseStarted = performance.now();
    let parsed = 0;
    for await (const _row of readSpreadsheet(xlsxPath, 'xlsx')) parsed++;
    const parseMs = performance.now() - parseStarted;
    report({ name: `parse only, ${ROWS}-row XLSX (${mb(statSync(xlsxPath).size / 1024)})`, figure: `${seconds(parseMs)} (${Math.round((parsed - 1) / (parseMs / 1000))} rows/s)` });

    const baselineMs = copyBaseline(databaseUrl, work, rows);
    let worker = await start(env, 'worker', children);
    const e2e = await runImport(base, token, 'obtained-certificates', xlsxPath, sql);
    const rate = ROWS / (e2e.ms / 1000);
    report({
      name: `obtained-certificates ${ROWS}-row XLSX, upload to completed`,
      figure: `${seconds(e2e.ms)} = ${Math.round(rate)} rows/s (${e2e.succeeded} succeeded, ${e2e.failed} failed); worker peak RSS ${mb(peakRss(worker))}`,
      baseline: `psql \\copy + INSERT ... ON CONFLICT of the same rows ${seconds(baselineMs)} -> ${(e2e.ms / baselineMs).toFixed(1)}x`,
      verdict: `target >= 5000 rows/s ${rate >= 5000 ? 'MET' : 'MISSED'}; within 10x of COPY ${e2e.ms / baselineMs <= 10 ? 'MET' : 'MISSED'}`,
    });
    rmSync(xlsxPath, { force: true });

    // ---- 2. ZIP with PDFs, and the same doubled ----
    if (!SKIP_ZIP) {
      const sizes = SKIP_DOUBLE ? [PDFS] : [PDFS, PDFS * 2];
      const peaks: number[] = [];
      for (const count of sizes) {
        worker.kill('SIGTERM');
        await new Promise((resolveExit) => worker.once('exit', resolveExit));
        const zipPath = join(work, `certificates-${count}.zip`);
        await writeZip(zipPath, count, PDF_KB);
        const zipParse = await parseZipOnly(zipPath);
        report({ name: `parse only, ZIP ${mb(statSync(zipPath).size / 1024)} (${count} PDFs)`, figure: `${seconds(zipParse)} (open, check, read every entry, parse the sheet)` });
        worker = await start(env, 'worker', children);
        const run = await runImport(base, token, 'obtained-certificates-with-files', zipPath, sql);
        const peak = peakRss(worker);
        peaks.push(peak);
        report({
          name: `obtained-certificates-with-files, ZIP ${mb(statSync(zipPath).size / 1024)} with ${count} PDFs, upload to completed`,
          figure: `${seconds(run.ms)} (${run.succeeded} succeeded, ${run.failed} failed); worker peak RSS ${mb(peak)}`,
          verdict: count === PDFS ? `target <= 60 s ${run.ms <= 60_000 ? 'MET' : 'MISSED'}; <= 300 MB ${peak <= 300 * 1024 ? 'MET' : 'MISSED'}` : undefined,
        });
        rmSync(zipPath, { force: true });
      }
      if (peaks.length === 2) {
        report({
          name: 'worker peak RSS when the ZIP doubles',
          figure: `${mb(peaks[0])} -> ${mb(peaks[1])} (${((peaks[1] / peaks[0] - 1) * 100).toFixed(0)}%)`,
          verdict: `must not grow with file size: ${peaks[1] <= peaks[0] * 1.15 ? 'MET' : 'MISSED'}`,
        });
      }
    }
    await sql.end();
    api.kill('SIGTERM');
    process.stdout.write('\nSummary\n');
    for (const line of lines) process.stdout.write(`${line.name}\t${line.figure}${line.baseline ? `\t${line.baseline}` : ''}${line.verdict ? `\t${line.verdict}` : ''}\n`);
  } finally {
    await cleanup();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Starts `node dist/src/main.js` in a role and resolves once it printed its start-up banner. */
async function start(env: NodeJS.ProcessEnv, role: 'api' | 'worker', children: ChildProcess[]): Promise<ChildProcess> {
  const logLevel = process.env.BENCH_LOG_LEVEL;
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], {
    env: {
      ...env,
      ROLE: role,
      ...(logLevel ? { LOG_LEVEL: logLevel } : {}),
      ...(process.env.BENCH_PROFILE === role ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(tmpdir(), 'cit-bench-profile')}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const log = logLevel ? createWriteStream(join(tmpdir(), `cit-bench-${role}.log`), { flags: 'a' }) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${role}] ${chunk}`));
  await new Promise<void>((resolveReady, rejectReady) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (seen !== 'ready') {
        seen += chunk.toString('utf8');
        if (seen.includes('Credential Import is running')) {
          seen = 'ready';
          resolveReady();
        }
      }
    });
    child.once('exit', (code) => rejectReady(new Error(`${role} exited with code ${code} before it was ready`)));
  });
  return child;
}

/** Peak resident set size of a process so far, in KB (Linux VmHWM). */
function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function login(base: string): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password-1' }),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function seedUsers(sql: pg.Pool) {
  await sql.query(
    `insert into users (id, user_code, email, first_name, last_name, language, status, profile, created_at, updated_at)
     select gen_random_uuid(), 'B-' || lpad(i::text, 6, '0'), 'bench' || i || '@example.com', 'Bench', 'User ' || i, 'en', 'active', '{}', now(), now()
       from generate_series(1, $1) as i`,
    [USERS],
  );
}

type CertificateRow = [string, string, string, string, string, string];

function certificateRows(count: number): CertificateRow[] {
  const rows: CertificateRow[] = [];
  for (let i = 0; i < count; i++) {
    const day = 1 + (i % 28);
    const month = 1 + (Math.floor(i / 28) % 12);
    const year = 2019 + (i % 6);
    rows.push([
      `B-${String(1 + (i % USERS)).padStart(6, '0')}`,
      DEFINITIONS[i % DEFINITIONS.length],
      `${String(day).padStart(2, '0')}-${String(month).padStart(2, '0')}-${year}`,
      '',
      `BN-${i + 1}`,
      'FALSE',
    ]);
  }
  return rows;
}

const HEADER = ['User Code', 'Certificate Definition Code', 'Date Obtained', 'Date Expires', 'Number', 'Auto Number'];

async function writeXlsx(path: string, rows: CertificateRow[], header = HEADER, prefix?: (i: number) => string) {
  const out = createWriteStream(path);
  const writer = new XlsxStreamWriter(out, (prefix ? ['File Name', ...header] : header).map((h) => ({ header: h })));
  rows.forEach((row, i) => writer.addRow(prefix ? [prefix(i), ...row] : row));
  await writer.finish();
  await finished(out);
}

/** The floor: the same rows via psql \copy into a staging table, then one INSERT ... SELECT ... ON CONFLICT. */
function copyBaseline(databaseUrl: string, work: string, rows: CertificateRow[]): number {
  const csvPath = join(work, 'baseline.csv');
  writeFileSync(csvPath, rows.map((r) => `${r[0]},${r[1]},${r[2]},${r[4]}`).join('\n') + '\n');
  const script = `
    create table bench_obtained (like obtained_certificates including all);
    create unique index on bench_obtained (user_id, definition_id, obtained_on, number);
    \\timing on
    create temp table staging (user_code text, definition_code text, obtained text, number text);
    \\copy staging from '${csvPath}' with (format csv)
    insert into bench_obtained (id, user_id, definition_id, obtained_on, expires_on, number, auto_numbered, source, registered_by, created_at)
      select gen_random_uuid(), u.id, d.id, to_date(s.obtained, 'DD-MM-YYYY'),
             case when d.validity_months is null then null else to_date(s.obtained, 'DD-MM-YYYY') + make_interval(months => d.validity_months) end,
             s.number, false, 'import', null, now()
        from staging s join users u on u.user_code = s.user_code join certificate_definitions d on d.code = s.definition_code
      on conflict do nothing;
  `;
  const started = performance.now();
  const result = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'select 1'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql is needed for the COPY baseline: ${result.stderr}`);
  const run = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`baseline failed: ${run.stderr}`);
  const timings = [...run.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]));
  rmSync(csvPath, { force: true });
  return timings.length >= 3 ? timings.slice(-3).reduce((a, b) => a + b, 0) : performance.now() - started;
}

async function runImport(base: string, token: string, type: string, path: string, sql: pg.Pool) {
  const started = performance.now();
  const form = new FormData();
  form.append('type', type);
  form.append('file', new Blob([readFileSync(path)]), path.split('/').pop()!);
  const response = await fetch(`${base}/api/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (response.status !== 202) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const { rows } = await sql.query(`select status, succeeded_rows, failed_rows, failure from imports where id = $1`, [id]);
    const status = rows[0]?.status as string;
    if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(status)) {
      if (status === 'failed') throw new Error(`import failed: ${JSON.stringify(rows[0].failure)}`);
      const ms = performance.now() - started;
      const [phases] = (
        await sql.query(
          `select extract(epoch from started_at - created_at) * 1000 as queued, extract(epoch from parsed_at - started_at) * 1000 as parsing,
                  extract(epoch from finished_at - parsed_at) * 1000 as processing, extract(epoch from finished_at - created_at) * 1000 as total
             from imports where id = $1`,
          [id],
        )
      ).rows;
      const upload = ms - Number(phases.total);
      process.stdout.write(
        `    phases: upload+store ${seconds(upload)}, queued ${seconds(Number(phases.queued))}, parse+check ${seconds(Number(phases.parsing))}, rows ${seconds(Number(phases.processing))}\n`,
      );
      return { ms, succeeded: Number(rows[0].succeeded_rows), failed: Number(rows[0].failed_rows) };
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
}

/** A ZIP of `count` PDFs (incompressible bodies, stored) plus the sheet that references them. */
async function writeZip(path: string, count: number, pdfKb: number) {
  const sheetPath = `${path}.xlsx`;
  const rows = certificateRows(count).map((row, i) => [row[0], row[1], row[2], row[3], `ZN-${count}-${i + 1}`, row[5]] as CertificateRow);
  await writeXlsx(sheetPath, rows, HEADER, (i) => `certificate-${i + 1}.pdf`);
  const archive = new yazl.ZipFile();
  archive.addFile(sheetPath, 'certificates.xlsx');
  const body = randomBytes(pdfKb * 1024);
  for (let i = 0; i < count; i++) {
    const header = Buffer.from(`%PDF-1.4\n% certificate ${i + 1}\n`);
    archive.addBuffer(Buffer.concat([header, body.subarray(0, body.length - header.length - 8), Buffer.from(String(i).padStart(8, '0'))]), `certificate-${i + 1}.pdf`, {
      compress: false,
    });
  }
  archive.end();
  const out = createWriteStream(path);
  archive.outputStream.pipe(out);
  await finished(out);
  rmSync(sheetPath, { force: true });
}

async function parseZipOnly(path: string): Promise<number> {
  const started = performance.now();
  const zip = await SafeZip.open(path, { maxEntries: 100_000, maxTotalUncompressedBytes: 8 * 1024 ** 3, maxCompressionRatio: 200 });
  const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });
  let sheet: string | undefined;
  for (const file of zip.listing.files) {
    if (file.relativePath.endsWith('.xlsx')) {
      sheet = `${path}.sheet.xlsx`;
      const out = createWriteStream(sheet);
      (await zip.openFile(file)).pipe(out);
      await finished(out);
    } else {
      const out = sink();
      (await zip.openFile(file)).pipe(out);
      await finished(out);
    }
  }
  zip.close();
  if (sheet) {
    for await (const _row of readSpreadsheet(sheet, 'xlsx'));
    rmSync(sheet, { force: true });
  }
  return performance.now() - started;
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
