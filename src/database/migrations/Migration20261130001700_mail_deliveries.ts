import { Migration } from '@mikro-orm/migrations';

/**
 * The mail delivery log: one row per (event, recipient, template), written by the Notifications module's
 * event subscribers in the inbox transaction and moved through queued -> sending -> sent | failed by the
 * mail worker. The unique key is what makes a redelivered event or a retried job send no second mail.
 */
export class Migration20261130001700_mail_deliveries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table mail_deliveries (
        id uuid primary key,
        event_id uuid not null,
        template text not null,
        recipient_user_id uuid not null,
        recipient_email text not null,
        language text not null,
        params jsonb not null default '{}',
        status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
        attempts int not null default 0,
        lease_until timestamptz null,
        smtp_response text null,
        message_id text null,
        failure_reason text null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        sent_at timestamptz null,
        constraint mail_deliveries_once unique (event_id, recipient_user_id, template)
      );
      create index mail_deliveries_pending_idx on mail_deliveries (updated_at) where status in ('queued', 'sending');
      create index mail_deliveries_recipient_idx on mail_deliveries (recipient_user_id, created_at desc);
      create index mail_deliveries_created_idx on mail_deliveries (created_at desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table mail_deliveries;`);
  }
}
