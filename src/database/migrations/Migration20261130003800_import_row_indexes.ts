import { Migration } from '@mikro-orm/migrations';

/**
 * Two index writes less for every row an import stages and records:
 * - The row log's status index keeps only rows that did not succeed (valid, failed, skipped): what the
 *   "failed rows" pages, the error file and the run after a validation look for. Succeeded rows, nearly all
 *   of a clean import, are read in row order by the primary key (the log pages, the changes an undo reverts).
 * - The staging table loses its index on row numbers: staged rows are read by their key (import, seq), and
 *   the two statements that went by row number (merged cells, the rows an import-level check reads) now go
 *   by seq too.
 */
export class Migration20261130003800_import_row_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop index if exists import_row_results_status_idx;
      create index import_row_results_status_idx on import_row_results (import_id, status, row_number) where status <> 'succeeded';
      drop index if exists import_staged_rows_row_idx;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists import_row_results_status_idx;
      create index import_row_results_status_idx on import_row_results (import_id, status, row_number);
      create index import_staged_rows_row_idx on import_staged_rows (import_id, row_number);
    `);
  }
}
