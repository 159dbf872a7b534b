import { Migration } from '@mikro-orm/migrations';

/**
 * One row per installation with values that must never change once chosen, read by every process at
 * start: the default queue prefix (see libs/runtime/queue-prefix.ts). The row is written by the first
 * process that starts after this migration (insert ... on conflict do nothing), not here, because the
 * value is derived from what that process can read.
 */
export class Migration20261130000900_installation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table installation (
        singleton boolean primary key default true check (singleton),
        queue_prefix text not null check (queue_prefix ~ '^[A-Za-z0-9_]{1,64}$'),
        created_at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists installation;');
  }
}
