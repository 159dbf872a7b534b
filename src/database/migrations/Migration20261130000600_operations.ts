import { Migration } from '@mikro-orm/migrations';

/** Operations: events whose delivery to a consumer failed every attempt (dead letters), retryable through REST. */
export class Migration20261130000600_operations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table dead_letters (
        id uuid primary key,
        event_id uuid not null,
        event_type text not null,
        consumer text not null,
        payload jsonb not null,
        occurred_at timestamptz not null,
        last_error text not null,
        attempts integer not null,
        failed_at timestamptz not null,
        status text not null default 'dead' check (status in ('dead', 'retried')),
        retried_at timestamptz null,
        retry_count integer not null default 0,
        constraint dead_letters_event_consumer_unique unique (event_id, consumer)
      );
      create index dead_letters_dead_idx on dead_letters (failed_at desc) where status = 'dead';
      create index processed_events_processed_at_idx on processed_events (processed_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists dead_letters; drop index if exists processed_events_processed_at_idx;`);
  }
}
