import { Migration } from '@mikro-orm/migrations';

/**
 * How many times reading an import's file was started. A file that kills the worker while it is read
 * (out of memory) would otherwise be read again after every restart, each time killing it again.
 */
export class Migration20261130000200_import_parse_starts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table imports add column parse_starts int not null default 0;`);
  }
}
