import { Migration } from '@mikro-orm/migrations';

/**
 * Installation-wide settings that platform admins switch (libs/settings), and an audit of every change:
 * who set which value, from what, and when. The audit is append-only.
 */
export class Migration20261130001500_platform_settings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table platform_settings (
        key text primary key,
        value jsonb not null,
        updated_by uuid null references users (id) on delete set null,
        updated_at timestamptz not null default now()
      );
      create table platform_setting_changes (
        id bigint generated always as identity primary key,
        key text not null,
        old_value jsonb null,
        new_value jsonb not null,
        changed_by uuid not null,
        changed_at timestamptz not null default now()
      );
      create index platform_setting_changes_key_idx on platform_setting_changes (key, changed_at desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table platform_setting_changes; drop table platform_settings;`);
  }
}
