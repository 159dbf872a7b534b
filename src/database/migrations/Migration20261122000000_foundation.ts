import { Migration } from '@mikro-orm/migrations';

/** Outbox/inbox and the Users module: people, groups, managers, roles, tokens, profile fields. */
export class Migration20261122000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table outbox_messages (
        id uuid primary key,
        event_type text not null,
        payload jsonb not null,
        occurred_at timestamptz not null,
        dispatched_at timestamptz null
      );
      create index outbox_messages_pending_idx on outbox_messages (occurred_at) where dispatched_at is null;

      create table processed_events (
        consumer text not null,
        event_id uuid not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );

      create table users (
        id uuid primary key,
        user_code text null,
        email text not null,
        first_name text not null,
        last_name text not null,
        language text not null default 'en',
        status text not null default 'active' check (status in ('active', 'deleted')),
        password_hash text null,
        profile jsonb not null default '{}',
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create unique index users_email_unique on users (lower(email)) where status <> 'deleted';
      create unique index users_user_code_unique on users (user_code) where status <> 'deleted';
      create index users_last_name_idx on users (lower(last_name), lower(first_name));

      create table groups (
        id uuid primary key,
        name text not null,
        parent_id uuid null references groups (id) on delete restrict,
        created_at timestamptz not null
      );
      create index groups_parent_idx on groups (parent_id);

      create table group_members (
        group_id uuid not null references groups (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        added_at timestamptz not null default now(),
        primary key (group_id, user_id)
      );
      create index group_members_user_idx on group_members (user_id);

      create table group_admins (
        group_id uuid not null references groups (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        primary key (group_id, user_id)
      );
      create index group_admins_user_idx on group_admins (user_id);

      create table manager_relations (
        manager_id uuid not null references users (id) on delete cascade,
        managee_id uuid not null references users (id) on delete cascade,
        kind text not null check (kind in ('manager', 'coach')),
        primary key (manager_id, managee_id),
        check (manager_id <> managee_id)
      );
      create index manager_relations_managee_idx on manager_relations (managee_id);

      create table roles (
        id uuid primary key,
        key text not null constraint roles_key_unique unique,
        name text not null,
        permissions text[] not null default '{}',
        system boolean not null default false
      );

      create table user_roles (
        user_id uuid not null references users (id) on delete cascade,
        role_id uuid not null references roles (id) on delete cascade,
        primary key (user_id, role_id)
      );

      create table api_tokens (
        id uuid primary key,
        user_id uuid not null references users (id) on delete cascade,
        name text not null,
        token_hash text not null constraint api_tokens_token_hash_unique unique,
        display_prefix text not null,
        created_at timestamptz not null,
        expires_at timestamptz null,
        last_used_at timestamptz null,
        revoked_at timestamptz null
      );
      create index api_tokens_user_idx on api_tokens (user_id);

      create table profile_field_definitions (
        key text primary key,
        label text not null,
        type text not null check (type in ('text', 'number', 'date', 'boolean', 'select')),
        options text[] null,
        open_for_import boolean not null default false,
        created_at timestamptz not null
      );
    `);
  }
}
