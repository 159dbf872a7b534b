import { Migration } from '@mikro-orm/migrations';

/**
 * Every pending-import quota check and stored-file collector batch asks, per finished validation, whether
 * a real run of it exists (imports.retry_of, kept-import-files.ts): without an index each asks by scanning
 * imports. Partial: only re-runs have a retry_of.
 */
export class Migration20261130001200_imports_retry_of_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index if not exists imports_retry_of_idx on imports (retry_of) where retry_of is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists imports_retry_of_idx;`);
  }
}
