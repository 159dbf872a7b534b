import { Migration } from '@mikro-orm/migrations';

/**
 * The users list's order in full (last name, first name, then id): a page is read from the index and stops
 * after its rows, where the old index without the id left ties to an incremental sort and the list's count
 * (over () in the same statement) walked the whole index through the heap.
 */
export class Migration20261130004100_users_list_order_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index users_list_order_idx on users (lower(last_name), lower(first_name), id);
      drop index if exists users_last_name_idx;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      create index if not exists users_last_name_idx on users (lower(last_name), lower(first_name));
      drop index if exists users_list_order_idx;
    `);
  }
}
