import { Migration } from '@mikro-orm/migrations';

/**
 * The row log's partial index on rows with a change goes: it repeated the primary key's columns for nearly
 * every row of an import that changes something (a third of the log's index writes), and both readers of
 * changes (an undo's staging, GET /api/imports/:id/changes) ask for succeeded rows, which the status index
 * (import_id, status, row_number) finds.
 */
export class Migration20261130003700_import_row_results_without_changes_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists import_row_results_changes_idx`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index import_row_results_changes_idx on import_row_results (import_id, row_number) where change is not null`);
  }
}
