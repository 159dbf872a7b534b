import { Migration } from '@mikro-orm/migrations';

/**
 * When an event was delivered (every subscriber took it, or the ones that did not became dead letters).
 * The outbox is pruned by this, no longer by the time it was relayed: a job that waited in Redis longer than
 * the retention (a stopped worker, a backlog) lost its payload. Relayed rows never delivered (their job lost
 * with Redis) are found by the partial index and queued again; `requeue_checked_at` is when the relay last
 * asked Bull about one (it keeps `dispatched_at`, the first relay, for the metric of undelivered events).
 * Rows relayed before this migration count as delivered when they were relayed: nothing recorded otherwise.
 */
export class Migration20261130004200_outbox_delivered_at extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table outbox_messages add column delivered_at timestamptz null, add column requeue_checked_at timestamptz null;
      update outbox_messages set delivered_at = dispatched_at where dispatched_at is not null;
      create index outbox_messages_undelivered_idx on outbox_messages (dispatched_at) where delivered_at is null and dispatched_at is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists outbox_messages_undelivered_idx;
      alter table outbox_messages drop column if exists delivered_at, drop column if exists requeue_checked_at;
    `);
  }
}
