/**
 * Redaction of what goes into logs: secrets by key name, tokens and credentials inside text, and the
 * values of SQL statements and driver errors (a failed insert's message carries the row's data).
 */
import { redactPathTokens } from './loggable-path.js';

const SECRET_KEY = /^pass$|password|passwd|passphrase|secret|token|authorization|cookie|api[-_]?key|credential/i;
/** Driver errors carry the statement's values under these keys (as arrays). */
const PARAMETER_KEY = /^(params|parameters|bindings|values)$/i;
const REDACTED = '[redacted]';

const TEXT_RULES: [RegExp, string][] = [
  // Authorization: Bearer <token>, Basic <credentials>
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // personal API tokens
  [/\bcit_[A-Za-z0-9_-]+/g, `cit_${REDACTED}`],
  // credentials in URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]+):[^@/\s]+@/gi, `$1:${REDACTED}@`],
  // one-time tickets, tokens, passwords in query strings and forms
  [/([?&;\s](?:ticket|token|access_token|password|secret|code)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // JSON-ish "password":"..." inside a message
  [/("(?:password|secret|token|accessToken|authorization)"\s*:\s*)"[^"]*"/gi, `$1"${REDACTED}"`],
  // node-postgres / MikroORM: "params: [ ... ]", "parameters: [...]", "bindings: [...]"
  [/\b(params|parameters|bindings)(\s*[:=]\s*)\[[\s\S]*?\](?=\s*(?:$|[-,;)}\n]))/gi, `$1$2[${REDACTED}]`],
  // PostgreSQL detail: Key (email)=(someone@example.com) already exists.
  [/(Key \([^)]*\)=)\([^)]*\)/g, `$1(${REDACTED})`],
  // Failing row contains (...)
  [/(Failing row contains )\([^\n]*\)/g, `$1(${REDACTED})`],
];

const SQL = /\b(select\s[\s\S]*\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|copy\s+\S+)/i;

/** Redacts tokens, credentials and SQL literal values inside a piece of text. */
export function redactText(text: string): string {
  let out = redactPathTokens(text);
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  // MikroORM puts the statement with its values inlined into the error message: drop the literals.
  if (SQL.test(out)) out = out.replace(/'(?:[^']|'')*'/g, "'?'").replace(/\$\$[\s\S]*?\$\$/g, '$$?$$');
  return out;
}

/** Redacts a log entry: secret-named keys entirely, every string through redactText. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[truncated]';
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // tokenId, apiTokenId: identifiers of secrets are not secrets
    const secret = (SECRET_KEY.test(key) && !/id$/i.test(key) && item !== undefined && item !== null) || (PARAMETER_KEY.test(key) && Array.isArray(item));
    out[key] = secret ? REDACTED : redactValue(item, depth + 1);
  }
  return out;
}
