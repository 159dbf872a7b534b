import { isIP } from 'node:net';

/** The AUTH_TOKEN_SECRET default that docker/compose.yaml carried: public, so anyone could forge tokens with it. */
export const PLACEHOLDER_SECRETS = ['REPLACE-ME-placeholder-secret-do-not-use-in-production'];

/**
 * A DATABASE_URL on this machine: a unix socket, `localhost`, 127.0.0.0/8 or ::1. Anything else is a
 * real database elsewhere, which makes the installation a real one.
 */
export function isLocalDatabaseUrl(databaseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return false;
  }
  // libpq/pg: ?host=/run/postgresql overrides the authority; a host starting with / is a socket directory.
  const hostParam = url.searchParams.get('host');
  const host = hostParam ?? decodeURIComponent(url.hostname);
  if (host === '' || host.startsWith('/')) return true;
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** Only a valid PostgreSQL URL says where the database is (an invalid one is reported on its own). */
function isPostgresUrl(databaseUrl: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(databaseUrl).protocol);
  } catch {
    return false;
  }
}

export interface SafetyInputs {
  nodeEnv?: string;
  databaseUrl?: string;
  authTokenSecret?: string;
  seedDemoData: boolean;
  smtpUrl?: string;
  redisUrl?: string;
  role?: 'all' | 'api' | 'worker';
  metricsToken?: string;
  /** IMPORT_TEST_TYPES: test-only import types (they write nothing, but are no product feature). */
  importTestTypes?: boolean;
}

/**
 * With NODE_ENV=production or a DATABASE_URL that is not on this machine, the settings that only make
 * sense for a local trial are refused: every problem is returned, so the start lists them all.
 */
export function unsafeProductionSettings(inputs: SafetyInputs): string[] {
  const reasons = [
    ...(inputs.nodeEnv === 'production' ? ['NODE_ENV=production'] : []),
    ...(inputs.databaseUrl !== undefined && isPostgresUrl(inputs.databaseUrl) && !isLocalDatabaseUrl(inputs.databaseUrl)
      ? ['DATABASE_URL points to another host']
      : []),
  ];
  if (reasons.length === 0) return [];
  const why = `(a production installation: ${reasons.join(', ')})`;
  const problems: string[] = [];
  if (inputs.authTokenSecret !== undefined && (PLACEHOLDER_SECRETS.includes(inputs.authTokenSecret) || /replace-?me/i.test(inputs.authTokenSecret))) {
    problems.push(`AUTH_TOKEN_SECRET is the public placeholder ${why}: anyone could forge tokens; set a secret of your own (openssl rand -base64 48)`);
  }
  if (inputs.seedDemoData) {
    problems.push(`SEED_DEMO_DATA=true is refused ${why}: demo users have published passwords`);
  }
  if (inputs.smtpUrl === undefined) {
    problems.push(`SMTP_URL must be set ${why}: the built-in mail catcher keeps mail in memory and delivers nothing`);
  }
  if (inputs.databaseUrl === undefined) {
    problems.push(`DATABASE_URL must be set ${why}: the embedded PostgreSQL is for local trials (fixed password postgres/postgres, files under DATA_DIR)`);
  }
  if (inputs.redisUrl === undefined) {
    problems.push(`REDIS_URL must be set ${why}: production does not start a redis-server of its own`);
  }
  if (inputs.importTestTypes) {
    problems.push(`IMPORT_TEST_TYPES=true is refused ${why}: it registers import types that exist only for the tests of the import engine`);
  }
  if (inputs.role !== 'worker' && inputs.metricsToken === undefined) {
    problems.push(
      `METRICS_TOKEN must be set ${why}: without it /metrics trusts loopback connections, and a reverse proxy on the same host ` +
        'makes those come from anyone',
    );
  }
  return problems;
}
