import { Migration } from '@mikro-orm/migrations';

/**
 * Which starts of reading an import's file died. A start sets `parse_running`; every end clears it
 * (a result, a refusal, an error, a graceful shutdown). A start that finds it still set follows one that
 * died (the process was killed, ran out of memory) and counts in `parse_deaths`; interruptions do not.
 */
export class Migration20261130000700_import_parse_deaths extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table imports add column parse_running boolean not null default false, add column parse_deaths int not null default 0;`);
  }
}
