import { Migration } from '@mikro-orm/migrations';

/**
 * One-time links to set a password (welcome mails and password resets). Only the SHA-256 of a link's
 * token is stored. A link is open while it is neither used nor ended (superseded by a newer link, or
 * killed when the password was set through another one) and not expired.
 * password_reset_requests remembers when a reset mail was last asked for per user, so a stranger cannot
 * bomb an inbox with reset mails.
 */
export class Migration20261130001800_password_links extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table password_links (
        id uuid primary key,
        user_id uuid not null references users (id) on delete cascade,
        purpose text not null check (purpose in ('welcome', 'reset')),
        token_hash text not null unique,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz null,
        ended_at timestamptz null
      );
      create index password_links_open_idx on password_links (user_id, purpose) where used_at is null and ended_at is null;
      create table password_reset_requests (
        user_id uuid primary key references users (id) on delete cascade,
        last_requested_at timestamptz not null
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table password_reset_requests; drop table password_links;`);
  }
}
