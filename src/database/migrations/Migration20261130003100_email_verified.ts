import { Migration } from '@mikro-orm/migrations';

/**
 * When the user's current email address was last shown to be theirs: set when they set a password through
 * a link mailed to that address (welcome or reset), cleared whenever the address changes. Endpoints that
 * trust the address (a recipient's own credentials) require it. Existing users start unverified: the
 * next password link mailed to them verifies the address.
 */
export class Migration20261130003100_email_verified extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users add column email_verified_at timestamptz null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table users drop column email_verified_at`);
  }
}
