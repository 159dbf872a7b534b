import { Migration } from '@mikro-orm/migrations';

/**
 * The per-row tables of an import (its staged rows and its row log) lose their foreign key to imports:
 * the key cost a lookup in imports for every one of the hundreds of thousands of rows an import writes,
 * about a tenth of the row log's insert. Nothing deletes imports (they are the audit trail), every writer
 * writes rows of an import it has just read, and the staging is deleted by import id when an import ends.
 */
export class Migration20261130003200_import_rows_without_foreign_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table import_staged_rows drop constraint if exists import_staged_rows_import_id_fkey`);
    this.addSql(`alter table import_row_results drop constraint if exists import_row_results_import_id_fkey`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table import_staged_rows add constraint import_staged_rows_import_id_fkey foreign key (import_id) references imports (id) on delete cascade`);
    this.addSql(`alter table import_row_results add constraint import_row_results_import_id_fkey foreign key (import_id) references imports (id) on delete cascade`);
  }
}
