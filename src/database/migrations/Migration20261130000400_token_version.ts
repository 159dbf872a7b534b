import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions end when a password changes: access tokens carry the user's token version, which a
 * password change increments. API tokens get a lifetime: the ones created before had none and now
 * expire 90 days from this migration (the default lifetime), so integrations have time to replace them.
 */
export class Migration20261130000400_token_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users add column token_version integer not null default 0`);
    this.addSql(`update api_tokens set expires_at = now() + interval '90 days' where expires_at is null and revoked_at is null`);
  }
}
