import { Migration } from '@mikro-orm/migrations';

/**
 * The Certificates module (catalogue, obtained certificates, attachments, number sequences) and the
 * Reporting module's certificates-per-month read model. user_id columns carry no foreign key to users:
 * modules share no tables (users are only soft-deleted, so the ids stay valid).
 */
export class Migration20261122000100_certificates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table certificate_categories (
        id uuid primary key,
        name text not null,
        created_at timestamptz not null
      );
      create unique index certificate_categories_name_unique on certificate_categories (lower(name));

      create table certificate_definitions (
        id uuid primary key,
        code text not null constraint certificate_definitions_code_unique unique,
        name text not null,
        category_id uuid not null references certificate_categories (id) on delete restrict,
        validity_months integer null check (validity_months between 1 and 1200),
        number_prefix text null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create index certificate_definitions_category_idx on certificate_definitions (category_id);

      -- One sequence per definition, advanced with UPDATE ... RETURNING in a short transaction of its own.
      create table certificate_number_counters (
        definition_id uuid primary key references certificate_definitions (id) on delete cascade,
        last_value bigint not null default 0 check (last_value >= 0)
      );

      create table obtained_certificates (
        id uuid primary key,
        user_id uuid not null,
        definition_id uuid not null references certificate_definitions (id) on delete restrict,
        obtained_on date not null,
        expires_on date null,
        number text null,
        auto_numbered boolean not null default false,
        source text not null check (source in ('manual', 'import', 'external')),
        registered_by uuid null,
        created_at timestamptz not null,
        constraint obtained_certificates_expiry_check check (expires_on is null or expires_on >= obtained_on),
        constraint obtained_certificates_auto_number_check check (not auto_numbered or number is not null)
      );
      create unique index obtained_certificates_auto_number_unique on obtained_certificates (definition_id, number) where auto_numbered;
      -- The same certificate twice (same user, definition, date and number) is one certificate; this also
      -- settles two import chunks that carry the same certificate at the same moment.
      create unique index obtained_certificates_identity_unique
        on obtained_certificates (user_id, definition_id, obtained_on, lower(coalesce(number, ''))) where not auto_numbered;
      create index obtained_certificates_user_idx on obtained_certificates (user_id, obtained_on desc);
      create index obtained_certificates_definition_idx on obtained_certificates (definition_id, obtained_on desc);
      create index obtained_certificates_expires_idx on obtained_certificates (expires_on) where expires_on is not null;

      create table obtained_certificate_attachments (
        id uuid primary key,
        -- Deferred: the attachment and its certificate are inserted by one flush, in whatever order.
        certificate_id uuid not null references obtained_certificates (id) on delete cascade deferrable initially deferred,
        original_file_name text not null,
        media_type text not null check (media_type in ('application/pdf', 'image/png', 'image/jpeg')),
        size bigint not null check (size >= 0),
        storage_key text not null check (storage_key ~ '^[0-9a-f]{64}$'),
        created_at timestamptz not null
      );
      create index obtained_certificate_attachments_certificate_idx on obtained_certificate_attachments (certificate_id);

      -- Reporting read model, written only by the subscriber of ObtainedCertificateRegistered.
      create table reporting_certificates_per_month (
        definition_id uuid not null,
        definition_code text not null,
        month date not null check (extract(day from month) = 1),
        certificates integer not null check (certificates >= 0),
        primary key (definition_id, month)
      );
      create index reporting_certificates_per_month_code_idx on reporting_certificates_per_month (definition_code, month);
    `);
  }
}
