import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { uploadRequestTimeoutMs } from './http-timeouts.js';
import { unsafeProductionSettings } from './production-safety.js';
import { parseTrustProxy, type TrustProxySetting } from './trust-proxy.js';

export type Role = 'api' | 'worker' | 'all';

/**
 * The one configuration object of the application. It is built once at boot from the environment,
 * validated, and injected everywhere as `AppConfig`. Nothing else reads `process.env`.
 */
export class AppConfig {
  role: Role;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  /** Undefined means: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  /** Undefined means: use 127.0.0.1:6379 if it answers, else start redis-server. */
  redisUrl?: string;
  /** Undefined means: start the built-in mail catcher. */
  smtpUrl?: string;
  mailFrom: string;
  /** Outgoing mail: the pooled SMTP transport and the `mail` queue (see README "Notifications"). */
  mail: {
    /** SMTP connections the pool keeps open (per worker process). */
    poolSize: number;
    /** Deliveries per `mail` job. */
    batchSize: number;
    /** `mail` jobs one worker process runs at once. */
    jobConcurrency: number;
    /** Tries per delivery before it is logged failed. */
    maxAttempts: number;
    /** First retry delay of a job; doubles on every retry. */
    retryDelayMs: number;
    /** How long a worker owns the deliveries it is sending; after that the sweeper hands them to another. */
    leaseSeconds: number;
    /** A delivery still queued this long after it was (re)queued is enqueued again by the sweeper. */
    requeueAfterSeconds: number;
    /** How often the sweeper looks (worker role; 0 turns it off). */
    sweepIntervalMs: number;
  };
  authTokenSecret: string;
  accessTokenTtlSeconds: number;
  /** Personal API tokens: lifetime when the request names none, and the longest a request may ask for. */
  apiTokenDefaultTtlDays: number;
  apiTokenMaxTtlDays: number;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  /** Per-account backoff after LOGIN_MAX_FAILURES attempts: first delay, doubling up to the cap. */
  loginBackoffBaseSeconds: number;
  loginBackoffMaxSeconds: number;
  /** Days an address that signed in to an account stays exempt from that account's backoff. */
  loginKnownAddressDays: number;
  /** Days a sign-in device cookie stays valid (its device skips the account's backoff and shared counters). */
  loginDeviceCookieDays: number;
  /** One-time set-password links: how long a welcome link and a reset link stay usable. */
  passwordLinks: {
    welcomeHours: number;
    resetMinutes: number;
    /** A password reset mail is sent at most once per user per this many minutes (more requests still get 202). */
    resetMinIntervalMinutes: number;
    /** Password reset requests per client address (IPv6: per /64) per LOGIN_WINDOW_SECONDS; more get 429. */
    resetMaxPerAddress: number;
  };
  /** Review links in reviewers' mails (external certificates) and the reminders of pending reviews. */
  reviews: {
    /** How long a review link stays usable (REVIEW_LINK_HOURS). */
    linkHours: number;
    /** How often a worker looks for reviews due a reminder (REVIEW_REMINDER_INTERVAL_MS; 0 turns it off). */
    reminderIntervalMs: number;
  };
  /** Express "trust proxy": which proxies may set X-Forwarded-For (the client address for throttling). */
  trustProxy: TrustProxySetting;
  storageDir: string;
  maxAttachmentBytes: number;
  seedDemoData: boolean;
  outboxRelayEnabled: boolean;
  outboxPollIntervalMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Prefix of every Bull and Redis key. QUEUE_PREFIX if set; else empty here and filled in at start
   * (after the migrations) from the value stored in the database (see libs/runtime/queue-prefix.ts), so two installations never share queues.
   */
  queuePrefix: string;
  /** Total time one HTTP request may take (Node's server.requestTimeout): fits the largest upload on a slow line. */
  httpRequestTimeoutMs: number;
  /** Time to receive a request's headers (Node's server.headersTimeout). */
  httpHeadersTimeoutMs: number;
  /** After SIGTERM/SIGINT, the process exits non-zero if shutting down takes longer than this. */
  shutdownTimeoutMs: number;
  /**
   * WORKER_NICE: the CPU priority (nice, 0-19) a ROLE=worker process lowers itself to, so that an import on the
   * API's machine leaves it the CPU first (0: unchanged). ROLE=all serves both from one process: not applied.
   */
  workerNice: number;
  imports: {
    maxUploadBytes: number;
    maxRows: number;
    chunkSize: number;
    chunkConcurrency: number;
    zipMaxEntries: number;
    zipMaxUncompressedBytes: number;
    zipMaxCompressionRatio: number;
    /** How long a worker holds a job before another may take it over (a killed worker's job returns after this). */
    jobLockMs: number;
    /** Times a chunk or read job may lose its worker (lock expired) before Bull fails it and the import ends as failed. */
    maxStalledCount: number;
    /** Most columns a sheet row may use; a wider file is refused (trailing empty cells do not count). */
    maxColumns: number;
    /** Most characters of one row (CSV line, XLSX row XML, all cells together). */
    maxRowBytes: number;
    /** A chunk job is closed at chunkSize rows or at this many bytes of JSON rows, whichever comes first. */
    chunkMaxBytes: number;
    /** Most bytes an XLSX's shared strings may unpack to (exceljs holds them all in memory). */
    xlsxMaxSharedStringsBytes: number;
    /** Per user: bytes of uploads and unpacked attachments of imports that have not finished yet. */
    pendingQuotaBytes: number;
    /** Days a finished import's upload is kept (to run a validation for real); failed/cancelled ones go at once. */
    uploadRetentionDays: number;
    /** An import waiting for its mapping or confirmation this long expires; its staged rows are removed. */
    waitingExpiryHours: number;
    /** An import whose progress has not moved this long is looked at by the reaper (its jobs queued again). */
    stallAfterSeconds: number;
    /** How often the reaper looks (worker role; 0 turns it off). */
    reaperIntervalMs: number;
    /** IMPORT_TEST_TYPES: registers the test-only import types (tests of the engine); refused in production. */
    testTypes: boolean;
  };
  /** External certificates (the Validation module). */
  externalCertificates: {
    /** EXTERNAL_CERTIFICATE_MAX_BYTES: the largest PDF accepted on an upload (larger: 413, nothing stored). */
    maxBytes: number;
    /**
     * REVIEW_SWEEP_INTERVAL_MS: how often a worker re-checks every pending review's reviewer (a safety net
     * behind the events that take a reviewer away); 0 turns it off.
     */
    reviewSweepIntervalMs: number;
  };
  /** The collector of stored files that nothing references (worker role). */
  storageCollector: {
    /** 0 turns it off. */
    intervalMs: number;
    /** A file younger than this is never removed: whoever just stored it may not have recorded it yet. */
    graceMs: number;
  };
  /** Operations: rate limit, metrics, worker health, dead letters (see README "Operations"). */
  ops: {
    rateLimitEnabled: boolean;
    /** Requests per principal (user id, else client address) per window, across all API processes (Redis). */
    rateLimitMax: number;
    rateLimitWindowSeconds: number;
    /** Bearer token for /metrics; unset: /metrics answers only direct loopback requests. */
    metricsToken?: string;
    /** Worker role: a small HTTP listener for /health/* and /metrics (unset: none). */
    healthPort?: number;
    heartbeatIntervalMs: number;
    /** Inbox rows (processed_events) older than this are pruned by the worker. */
    inboxRetentionDays: number;
    /** Attempts of an event delivery before it becomes a dead letter. */
    eventAttempts: number;
  };
  /** Server-Sent Events (live import progress). */
  sse: {
    /** Lifetime of a one-time stream ticket (for EventSource, which cannot send a bearer token). */
    ticketTtlSeconds: number;
    /** A ticket's absolute lifetime from its issue, however often it serves reconnects. */
    ticketMaxAgeSeconds: number;
    /** Open streams per user, across all API processes; more get 429. */
    maxStreamsPerUser: number;
    /** A stream is ended after this long; the client reconnects with Last-Event-ID and is authorised again. */
    maxStreamSeconds: number;
    /** How often a stream looks for changes. */
    pollIntervalMs: number;
    /** A comment line after this long without an event, so proxies keep the connection open. */
    heartbeatSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws a ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  };
  const int = (name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${parsed.protocol}//...")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const trustProxy = (raw: string): TrustProxySetting => {
    const parsed = parseTrustProxy(raw);
    if ('error' in parsed) problems.push(parsed.error);
    return 'value' in parsed ? parsed.value : false;
  };

  const apiTokenTtls = () => {
    const apiTokenMaxTtlDays = int('API_TOKEN_MAX_TTL_DAYS', 365, 1, 3650);
    const apiTokenDefaultTtlDays = int('API_TOKEN_DEFAULT_TTL_DAYS', Math.min(90, apiTokenMaxTtlDays), 1, 3650);
    if (apiTokenDefaultTtlDays > apiTokenMaxTtlDays) {
      problems.push(`API_TOKEN_DEFAULT_TTL_DAYS (${apiTokenDefaultTtlDays}) must not exceed API_TOKEN_MAX_TTL_DAYS (${apiTokenMaxTtlDays})`);
    }
    return { apiTokenDefaultTtlDays, apiTokenMaxTtlDays };
  };

  const role = (str('ROLE', 'all') as Role);
  if (!['api', 'worker', 'all'].includes(role)) problems.push(`ROLE must be api, worker or all (got "${role}")`);
  const logLevel = str('LOG_LEVEL', 'info') as AppConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be debug, info, warn, error or silent (got "${logLevel}")`);
  }
  const port = int('PORT', 3000, 0, 65535);
  const host = str('HOST', '127.0.0.1')!;
  const dataDir = resolve(cwd, str('DATA_DIR', '.data')!);
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:']);
  const secret = str('AUTH_TOKEN_SECRET');
  if (secret !== undefined && secret.length < 32) problems.push('AUTH_TOKEN_SECRET must be at least 32 characters');

  if (role === 'api' || role === 'worker') {
    const missing = [['DATABASE_URL', databaseUrl], ['REDIS_URL', redisUrl], ['SMTP_URL', smtpUrl]]
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    if (missing.length > 0) {
      problems.push(`ROLE=${role} runs beside other processes and needs shared services: set ${missing.join(', ')} ` +
        '(embedded services are only started with ROLE=all)');
    }
  }
  const seedDemoData = bool('SEED_DEMO_DATA', databaseUrl === undefined);
  const importTestTypes = bool('IMPORT_TEST_TYPES', false);
  problems.push(...unsafeProductionSettings({
    nodeEnv: str('NODE_ENV'), databaseUrl, authTokenSecret: secret, seedDemoData, smtpUrl, redisUrl, role, metricsToken: str('METRICS_TOKEN'),
    importTestTypes,
  }));
  const maxUploadBytes = int('IMPORT_MAX_UPLOAD_BYTES', 500 * 1024 * 1024, 1024);
  const requestTimeoutSeconds = int('HTTP_REQUEST_TIMEOUT_SECONDS', 0, 0, 86_400);
  const httpRequestTimeoutMs = requestTimeoutSeconds > 0
    ? requestTimeoutSeconds * 1000
    : uploadRequestTimeoutMs(maxUploadBytes, int('HTTP_MIN_UPLOAD_BYTES_PER_SECOND', 128 * 1024, 1024));
  const config = new AppConfig();
  Object.assign(config, {
    role,
    port,
    host,
    publicUrl: str('PUBLIC_URL', `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`)!.replace(/\/$/, ''),
    dataDir,
    databaseUrl,
    redisUrl,
    smtpUrl,
    mailFrom: str('MAIL_FROM', 'Credential Import <no-reply@credential-import.local>')!,
    mail: {
      poolSize: int('MAIL_POOL_SIZE', 5, 1, 100),
      batchSize: int('MAIL_BATCH_SIZE', 50, 1, 1000),
      jobConcurrency: int('MAIL_JOB_CONCURRENCY', 4, 1, 64),
      maxAttempts: int('MAIL_MAX_ATTEMPTS', 10, 1, 100),
      retryDelayMs: int('MAIL_RETRY_DELAY_MS', 1000, 10, 600_000),
      leaseSeconds: int('MAIL_LEASE_SECONDS', 300, 5, 86_400),
      requeueAfterSeconds: int('MAIL_REQUEUE_AFTER_SECONDS', 60, 1, 86_400),
      sweepIntervalMs: int('MAIL_SWEEP_INTERVAL_MS', 15_000, 0, 3_600_000),
    },
    authTokenSecret: secret ?? (problems.length > 0 ? '' : persistentDevSecret(dataDir)),
    accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL_SECONDS', 3600, 60, 86_400),
    ...apiTokenTtls(),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginWindowSeconds: int('LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    loginBackoffBaseSeconds: int('LOGIN_BACKOFF_BASE_SECONDS', 1, 1, 3600),
    loginBackoffMaxSeconds: int('LOGIN_BACKOFF_MAX_SECONDS', 60, 1, 86_400),
    loginKnownAddressDays: int('LOGIN_KNOWN_ADDRESS_DAYS', 90, 1, 3650),
    loginDeviceCookieDays: int('LOGIN_DEVICE_COOKIE_DAYS', 180, 1, 3650),
    passwordLinks: {
      welcomeHours: int('PASSWORD_LINK_WELCOME_HOURS', 168, 1, 24 * 90),
      resetMinutes: int('PASSWORD_LINK_RESET_MINUTES', 60, 5, 24 * 60),
      resetMinIntervalMinutes: int('PASSWORD_RESET_MIN_INTERVAL_MINUTES', 5, 0, 24 * 60),
      resetMaxPerAddress: int('PASSWORD_RESET_MAX_PER_ADDRESS', 10, 1, 100_000),
    },
    reviews: {
      linkHours: int('REVIEW_LINK_HOURS', 168, 1, 24 * 90),
      reminderIntervalMs: int('REVIEW_REMINDER_INTERVAL_MS', 300_000, 0, 86_400_000),
    },
    trustProxy: trustProxy(str('TRUST_PROXY', 'loopback')!),
    storageDir: resolve(cwd, str('STORAGE_DIR', join(dataDir, 'storage'))!),
    maxAttachmentBytes: int('MAX_ATTACHMENT_BYTES', 25 * 1024 * 1024, 1024),
    seedDemoData,
    outboxRelayEnabled: bool('OUTBOX_RELAY_ENABLED', true),
    outboxPollIntervalMs: int('OUTBOX_POLL_INTERVAL_MS', 500, 10, 60_000),
    logLevel,
    queuePrefix: str('QUEUE_PREFIX', '')!,
    httpRequestTimeoutMs,
    httpHeadersTimeoutMs: Math.min(httpRequestTimeoutMs, 60_000),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_SECONDS', 30, 1, 3600) * 1000,
    workerNice: int('WORKER_NICE', 10, 0, 19),
    imports: {
      maxUploadBytes,
      maxRows: int('IMPORT_MAX_ROWS', 250_000, 1),
      chunkSize: int('IMPORT_CHUNK_SIZE', 1000, 1, 10_000),
      chunkConcurrency: int('IMPORT_CHUNK_CONCURRENCY', 2, 1, 64),
      zipMaxEntries: int('IMPORT_ZIP_MAX_ENTRIES', 10_000, 1),
      zipMaxUncompressedBytes: int('IMPORT_ZIP_MAX_UNCOMPRESSED_BYTES', 2 * 1024 ** 3, 1024),
      zipMaxCompressionRatio: int('IMPORT_ZIP_MAX_COMPRESSION_RATIO', 200, 2),
      jobLockMs: int('IMPORT_JOB_LOCK_MS', 30_000, 1000, 600_000),
      maxStalledCount: int('IMPORT_MAX_STALLED_COUNT', 5, 0, 100),
      maxColumns: int('IMPORT_MAX_COLUMNS', 256, 1, 16_384),
      maxRowBytes: int('IMPORT_MAX_ROW_BYTES', 1024 ** 2, 1024, 64 * 1024 ** 2),
      chunkMaxBytes: int('IMPORT_CHUNK_MAX_BYTES', 1024 ** 2, 1024, 64 * 1024 ** 2),
      xlsxMaxSharedStringsBytes: int('IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES', 48 * 1024 ** 2, 1024, 1024 ** 3),
      pendingQuotaBytes: int('IMPORT_PENDING_QUOTA_BYTES', 2 * 1024 ** 3, 1024),
      uploadRetentionDays: int('IMPORT_UPLOAD_RETENTION_DAYS', 14, 0, 3650),
      waitingExpiryHours: int('IMPORT_WAITING_EXPIRY_HOURS', 72, 1, 24 * 365),
      stallAfterSeconds: int('IMPORT_STALL_AFTER_SECONDS', 120, 1, 86_400),
      reaperIntervalMs: int('IMPORT_REAPER_INTERVAL_MS', 15_000, 0, 3_600_000),
      testTypes: importTestTypes,
    },
    externalCertificates: {
      maxBytes: int('EXTERNAL_CERTIFICATE_MAX_BYTES', 20 * 1024 * 1024, 1024, 1024 ** 3),
      reviewSweepIntervalMs: int('REVIEW_SWEEP_INTERVAL_MS', 60_000, 0, 86_400_000),
    },
    storageCollector: {
      intervalMs: int('STORAGE_COLLECT_INTERVAL_MS', 3_600_000, 0),
      graceMs: int('STORAGE_COLLECT_GRACE_MS', 6 * 3_600_000, 0),
    },
    ops: opsConfig(str, int, bool, problems),
    sse: {
      ticketTtlSeconds: int('SSE_TICKET_TTL_SECONDS', 60, 1, 600),
      ticketMaxAgeSeconds: int('SSE_TICKET_MAX_AGE_SECONDS', 12 * 3600, 1, 7 * 86_400),
      maxStreamsPerUser: int('SSE_MAX_STREAMS_PER_USER', 5, 1, 1000),
      maxStreamSeconds: int('SSE_MAX_STREAM_SECONDS', 300, 1, 86_400),
      pollIntervalMs: int('SSE_POLL_INTERVAL_MS', 500, 50, 60_000),
      heartbeatSeconds: int('SSE_HEARTBEAT_SECONDS', 15, 1, 3600),
    },
  } satisfies AppConfig);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Without AUTH_TOKEN_SECRET a random secret is generated once and kept under the data directory,
 * so tokens survive restarts of a local installation. Production sets the variable.
 */
function persistentDevSecret(dataDir: string): string {
  const file = join(dataDir, 'auth-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function opsConfig(
  str: (name: string) => string | undefined,
  int: (name: string, fallback: number, min?: number, max?: number) => number,
  bool: (name: string, fallback: boolean) => boolean,
  problems: string[],
): AppConfig['ops'] {
  const metricsToken = str('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');
  const healthPort = str('HEALTH_PORT') === undefined ? undefined : int('HEALTH_PORT', 0, 0, 65535);
  return {
    rateLimitEnabled: bool('RATE_LIMIT_ENABLED', true),
    rateLimitMax: int('RATE_LIMIT_MAX', 1000, 1, 1_000_000),
    rateLimitWindowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    metricsToken,
    healthPort,
    heartbeatIntervalMs: int('WORKER_HEARTBEAT_INTERVAL_MS', 5000, 100, 60_000),
    inboxRetentionDays: int('INBOX_RETENTION_DAYS', 30, 1, 3650),
    eventAttempts: int('EVENT_MAX_ATTEMPTS', 10, 1, 100),
  };
}
