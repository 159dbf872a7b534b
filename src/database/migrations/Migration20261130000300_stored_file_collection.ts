import { Migration } from '@mikro-orm/migrations';

/**
 * Stored-file collection and the pending-import quota: a ZIP's entries are listed in import_files, but
 * only those that rows reference are unpacked into storage (storage_key null for the others); the
 * collector looks stored files up by key, and the quota sums a user's running imports.
 */
export class Migration20261130000300_stored_file_collection extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table import_files alter column storage_key drop not null;
      create index import_files_storage_key_idx on import_files (storage_key) where storage_key is not null;
      create index imports_file_key_idx on imports (file_key);
      create index obtained_certificate_attachments_storage_key_idx on obtained_certificate_attachments (storage_key);
      create index imports_running_by_user_idx on imports (started_by) where status in ('queued', 'validating', 'processing');
    `);
  }
}
