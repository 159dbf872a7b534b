import { Migration } from '@mikro-orm/migrations';

/**
 * What an XLSX says about a staged row besides its values (hidden, formulas without a result, merged
 * cells), by column key; null for most rows. The chunks turn it into row errors and warnings.
 */
export class Migration20261130001900_import_staged_sheet_facts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table import_staged_rows add column sheet jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table import_staged_rows drop column sheet;`);
  }
}
