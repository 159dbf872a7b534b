import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger.js';
import { redactText, redactValue } from './redact.js';

describe('log redaction', () => {
  it('removes bearer tokens, API tokens and basic credentials', () => {
    const text = redactText('GET /api/users Authorization: Bearer eyJhbGciOi.abc.def and cit_AbC123_xyz-9 Basic dXNlcjpwYXNz');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('AbC123');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).toContain('Bearer [redacted]');
  });

  it('removes passwords from connection URLs and tickets from query strings', () => {
    const text = redactText('connect failed postgres://app:s3cr3t@db.internal:5432/cit; GET /api/imports/1/events?ticket=T0p5ecret&x=1');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('T0p5ecret');
    expect(text).toContain('postgres://app:[redacted]@db.internal');
    expect(text).toContain('x=1');
  });

  it('removes the values of a failed SQL statement and the driver detail', () => {
    const message =
      "insert into \"users\" (\"email\", \"password_hash\") values ('lena@example.com', 'scrypt$abc') - duplicate key value violates unique constraint \"users_email_unique\"";
    const text = redactText(message);
    expect(text).not.toContain('lena@example.com');
    expect(text).not.toContain('scrypt$abc');
    expect(text).toContain('users_email_unique');
    expect(redactText('Key (email)=(lena@example.com) already exists.')).not.toContain('lena@example.com');
    expect(redactText("query failed, params: [ 'lena@example.com', 42 ] - timeout")).not.toContain('lena@example.com');
  });

  it('redacts secret-named keys and parameter arrays of structured entries, keeps the rest', () => {
    const entry = redactValue({
      msg: 'login',
      password: 'hunter2',
      headers: { authorization: 'Bearer abc', 'user-agent': 'curl' },
      error: { params: ['lena@example.com'], code: '23505' },
      warnings: [{ code: 'IMPORTS.DUPLICATE_ROW', params: { row: 3 } }],
      tokenId: '5b6c0d7e-0000-4000-8000-000000000001',
    }) as Record<string, any>;
    expect(entry.tokenId).toBe('5b6c0d7e-0000-4000-8000-000000000001');
    expect(entry.password).toBe('[redacted]');
    expect(entry.headers.authorization).toBe('[redacted]');
    expect(entry.headers['user-agent']).toBe('curl');
    expect(entry.error.params).toBe('[redacted]');
    expect(entry.error.code).toBe('23505');
    expect(entry.warnings[0].params).toEqual({ row: 3 });
  });

  it('is applied by the JSON logger to every line, including error stacks', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('debug', (line) => lines.push(line));
    const error = new Error("select * from users where email = 'lena@example.com'");
    logger.error({ msg: 'unhandled error', error: String(error), stack: error.stack, token: 'cit_secret' });
    logger.log('request with Bearer abc.def.ghi');
    const out = lines.join('\n');
    expect(out).not.toContain('lena@example.com');
    expect(out).not.toContain('cit_secret');
    expect(out).not.toContain('abc.def.ghi');
  });
});
