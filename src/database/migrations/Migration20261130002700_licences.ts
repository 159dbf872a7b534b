import { Migration } from '@mikro-orm/migrations';

/**
 * The Licences module: licence types (a catalogue of their own: code, name, issuing body or state,
 * whether a number is required, a default validity, active or retired) and users' licences (type,
 * number, state or jurisdiction, issue and expiry date). One licence per user + type + number (case-
 * insensitive), or per user + type when it has no number: the unique index on the number's lower case
 * with '' for none. `version` comes from one sequence for all licences, so a licence deleted and restored
 * (an import's undo) never reuses a version and event consumers can keep the newest state.
 * No foreign key to users: modules share no tables (user_id is the Users module's id).
 *
 * Reporting: reporting_licences, the read model fed only by LicenceAdded/Changed/Removed (one row per
 * licence, a removed one kept as a tombstone with its version so a late event cannot bring it back).
 */
export class Migration20261130002700_licences extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create sequence user_licence_versions;

      create table licence_types (
        id uuid primary key,
        code text not null check (code ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
        name text not null check (length(name) between 1 and 200),
        issuing_body text null check (issuing_body is null or length(issuing_body) <= 200),
        number_required boolean not null default false,
        default_validity_months integer null check (default_validity_months is null or default_validity_months between 1 and 1200),
        status text not null default 'active' check (status in ('active', 'retired')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index licence_types_code_unique on licence_types (code);

      create table user_licences (
        id uuid primary key,
        user_id uuid not null,
        type_id uuid not null references licence_types (id) on delete restrict,
        number text null check (number is null or length(number) between 1 and 100),
        jurisdiction text null check (jurisdiction is null or length(jurisdiction) <= 100),
        issued_on date not null,
        expires_on date null check (expires_on is null or expires_on >= issued_on),
        version bigint not null default nextval('user_licence_versions'),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index user_licences_user_type_number_unique on user_licences (user_id, type_id, (lower(coalesce(number, ''))));
      create index user_licences_type_idx on user_licences (type_id, expires_on);
      create index user_licences_expiry_idx on user_licences (expires_on);

      -- The licences each import run has touched (user, type, number key as the unique index): a second row
      -- of the same licence in one import fails (its undo could not restore both states). The file-wide
      -- key check at staging catches rows spelled alike; this catches the same user given by code and by
      -- email in different chunks. Written in the chunk's transaction (a validation pass rolls it back).
      create table user_licence_import_touches (
        import_id uuid not null,
        user_id uuid not null,
        type_id uuid not null,
        number_key text not null,
        row_number integer not null,
        primary key (import_id, user_id, type_id, number_key)
      );

      create table reporting_licences (
        licence_id uuid primary key,
        user_id uuid not null,
        type_id uuid not null,
        type_code text not null,
        type_name text null,
        expires_on date null,
        removed boolean not null default false,
        version bigint not null
      );
      create index reporting_licences_expiry_idx on reporting_licences (expires_on) where not removed;
      create index reporting_licences_user_idx on reporting_licences (user_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists reporting_licences; drop table if exists user_licence_import_touches; drop table if exists user_licences; drop table if exists licence_types; drop sequence if exists user_licence_versions;`);
  }
}
