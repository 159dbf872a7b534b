import { Migration } from '@mikro-orm/migrations';

/** The import engine (imports, their log, chunks, extracted files), in-app notifications, import reporting. */
export class Migration20261122000200_imports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table imports (
        id uuid primary key,
        type text not null,
        status text not null check (status in ('queued', 'validating', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled')),
        validate_only boolean not null,
        options jsonb not null default '{}',
        file_name text not null,
        file_kind text not null check (file_kind in ('xlsx', 'csv', 'zip')),
        file_key text not null,
        file_size bigint not null,
        started_by uuid not null,
        started_by_name text not null,
        started_by_language text not null,
        created_at timestamptz not null,
        started_at timestamptz null,
        parsed_at timestamptz null,
        finished_at timestamptz null,
        header jsonb null,
        total_rows int not null default 0,
        processed_rows int not null default 0,
        succeeded_rows int not null default 0,
        failed_rows int not null default 0,
        skipped_rows int not null default 0,
        warning_rows int not null default 0,
        chunk_count int null,
        chunks_done int not null default 0,
        failure jsonb null,
        warnings jsonb not null default '[]',
        retry_of uuid null references imports (id) on delete set null
      );
      create index imports_started_by_idx on imports (started_by, created_at desc);
      create index imports_created_idx on imports (created_at desc);

      create table import_chunks (
        import_id uuid not null references imports (id) on delete cascade,
        chunk int not null,
        rows int not null,
        done_at timestamptz not null default now(),
        primary key (import_id, chunk)
      );

      create table import_row_results (
        import_id uuid not null references imports (id) on delete cascade,
        row_number int not null,
        status text not null check (status in ('succeeded', 'failed', 'skipped')),
        errors jsonb not null default '[]',
        warnings jsonb not null default '[]',
        cells jsonb not null,
        entity_id uuid null,
        recorded_at timestamptz not null default now(),
        primary key (import_id, row_number)
      );
      create index import_row_results_status_idx on import_row_results (import_id, status, row_number);

      create table import_files (
        import_id uuid not null references imports (id) on delete cascade,
        name text not null,
        storage_key text not null,
        size bigint not null,
        media_type text null,
        used boolean not null default false,
        primary key (import_id, name)
      );

      create table in_app_notifications (
        id uuid primary key,
        user_id uuid not null,
        kind text not null,
        title_key text not null,
        params jsonb not null default '{}',
        link text null,
        created_at timestamptz not null default now(),
        read_at timestamptz null
      );
      create index in_app_notifications_user_idx on in_app_notifications (user_id, created_at desc);

      create table reporting_imports_per_day (
        day date not null,
        import_type text not null,
        validate_only boolean not null,
        imports int not null default 0,
        imports_failed int not null default 0,
        rows_succeeded bigint not null default 0,
        rows_failed bigint not null default 0,
        rows_skipped bigint not null default 0,
        primary key (day, import_type, validate_only)
      );
    `);
  }
}
