import { Migration } from '@mikro-orm/migrations';

/**
 * Bytes a parsing import has claimed from its user's pending-import quota for attachments it is about to
 * unpack: reserved under the per-user quota lock before a byte is written, and handed over to the
 * import_files rows as they are recorded.
 */
export class Migration20261130001000_import_quota_reservations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table imports add column reserved_bytes bigint not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table imports drop column if exists reserved_bytes;`);
  }
}
