import { Migration } from '@mikro-orm/migrations';

/**
 * The Credentials module: designs (a name and the attribute placeholders they show), credential groups
 * (each with one design, referenced, never copied; custom attribute definitions; owned by a user group
 * whose admins manage it, or by platform admins only), issued credentials (recipient, dates, grade,
 * custom attribute values, the fields the recipient corrected themselves), and the credit ledger with its
 * balance (one organisation per installation). Every ledger entry is idempotent on its key.
 */
export class Migration20261130002800_credentials extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table credential_designs (
        id uuid primary key,
        name text not null check (length(name) between 1 and 200),
        placeholders text[] not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table credential_groups (
        id uuid primary key,
        name text not null check (length(name) between 1 and 200),
        course text null,
        description text null,
        design_id uuid not null references credential_designs (id) on delete restrict,
        owner_group_id uuid null,
        custom_attributes jsonb not null default '[]',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index credential_groups_name_unique on credential_groups (lower(name));
      create index credential_groups_design_idx on credential_groups (design_id);
      create index credential_groups_owner_idx on credential_groups (owner_group_id);

      create table credentials (
        id uuid primary key,
        group_id uuid not null references credential_groups (id) on delete restrict,
        recipient_name text not null,
        recipient_email text not null,
        recipient_id text null,
        issued_on date not null,
        expires_on date null check (expires_on is null or expires_on >= issued_on),
        grade text null,
        attributes jsonb not null default '{}',
        corrected_fields text[] not null default '{}',
        revoked_at timestamptz null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index credentials_group_idx on credentials (group_id, created_at);
      create index credentials_group_email_idx on credentials (group_id, lower(recipient_email));
      create index credentials_group_recipient_idx on credentials (group_id, recipient_id) where recipient_id is not null;
      create index credentials_email_idx on credentials (lower(recipient_email));

      create table credit_balance (
        organisation text primary key default 'default',
        balance integer not null default 0 check (balance >= 0),
        updated_at timestamptz not null default now()
      );
      insert into credit_balance (organisation, balance) values ('default', 0);

      create table credit_ledger (
        id uuid primary key,
        organisation text not null default 'default' references credit_balance (organisation),
        idempotency_key text not null constraint credit_ledger_idempotency_key_unique unique,
        kind text not null check (kind in ('top-up', 'debit', 'refund')),
        amount integer not null check (amount <> 0),
        balance_after integer not null,
        reason text not null,
        credential_id uuid null,
        group_id uuid null,
        import_id uuid null,
        row_number integer null,
        refund_of uuid null references credit_ledger (id),
        created_by uuid null,
        created_at timestamptz not null default now()
      );
      create index credit_ledger_created_idx on credit_ledger (organisation, created_at desc);
      create index credit_ledger_import_idx on credit_ledger (import_id) where import_id is not null;
      create unique index credit_ledger_refund_unique on credit_ledger (refund_of) where refund_of is not null;

      create table reporting_credential_renewals (
        month date not null,
        group_id uuid not null,
        renewals integer not null default 0,
        credits_used integer not null default 0,
        primary key (month, group_id)
      );
    `);
  }
}
