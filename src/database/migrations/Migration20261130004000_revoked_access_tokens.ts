import { Migration } from '@mikro-orm/migrations';

/**
 * Access tokens signed out before they expire (POST /api/auth/logout), by the token's own id (`jti`). The
 * query that loads the caller's principal on every request checks this table (a primary-key probe); a row
 * is needed only until the token would have expired anyway, and each sign-out deletes the rows past that.
 */
export class Migration20261130004000_revoked_access_tokens extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table revoked_access_tokens (
        jti uuid primary key,
        user_id uuid not null references users (id) on delete cascade,
        expires_at timestamptz not null
      );
      create index revoked_access_tokens_expiry_idx on revoked_access_tokens (expires_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists revoked_access_tokens`);
  }
}
