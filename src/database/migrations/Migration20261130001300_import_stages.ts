import { Migration } from '@mikro-orm/migrations';

/**
 * The staged import engine: an import waits for its mapping (preview) and for confirmation; its rows are
 * staged in PostgreSQL (COPY) instead of travelling in Redis job payloads; chunk jobs carry a planned
 * row range per pass (validate, run); an undo is an import of its own (mode undo) over what another changed.
 */
export class Migration20261130001300_import_stages extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table imports drop constraint imports_status_check;
      alter table imports add constraint imports_status_check check (status in (
        'queued', 'awaiting_mapping', 'validating', 'awaiting_confirmation', 'processing',
        'completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'));
      alter table imports drop constraint imports_file_kind_check;
      alter table imports
        add column mode text not null default 'import' check (mode in ('import', 'undo')),
        add column undo_of uuid null references imports (id) on delete set null,
        add column auto_confirm boolean not null default false,
        add column preview jsonb null,
        add column mapping jsonb null,
        add column staged_at timestamptz null,
        add column validated_rows int not null default 0,
        add column valid_rows int not null default 0,
        add column run_rows int not null default 0,
        add column validation jsonb null,
        add column acknowledged_warnings jsonb not null default '[]',
        add column confirmed_at timestamptz null,
        add column status_changed_at timestamptz not null default now(),
        add column progress_at timestamptz not null default now();
      create unique index imports_one_undo_idx on imports (undo_of) where undo_of is not null and status not in ('failed', 'cancelled', 'expired');
      create index imports_active_idx on imports (status, progress_at)
        where status in ('queued', 'awaiting_mapping', 'validating', 'awaiting_confirmation', 'processing');
      drop index if exists imports_running_by_user_idx;
      create index imports_running_by_user_idx on imports (started_by)
        where status in ('queued', 'awaiting_mapping', 'validating', 'awaiting_confirmation', 'processing');

      create table import_staged_rows (
        import_id uuid not null references imports (id) on delete cascade,
        seq int not null,
        row_number int not null,
        line int null,
        "values" json not null,
        cells json not null,
        errors json not null default '[]',
        duplicate_of int null,
        primary key (import_id, seq)
      );
      create index import_staged_rows_row_idx on import_staged_rows (import_id, row_number);

      create table import_chunk_plan (
        import_id uuid not null references imports (id) on delete cascade,
        chunk int not null,
        first_seq int not null,
        last_seq int not null,
        primary key (import_id, chunk)
      );

      alter table import_chunks add column pass text not null default 'run' check (pass in ('validate', 'run'));
      alter table import_chunks drop constraint import_chunks_pkey;
      alter table import_chunks add primary key (import_id, pass, chunk);

      alter table import_row_results drop constraint import_row_results_status_check;
      alter table import_row_results add constraint import_row_results_status_check check (status in ('valid', 'succeeded', 'failed', 'skipped'));
      alter table import_row_results add column change jsonb null;
      create index import_row_results_changes_idx on import_row_results (import_id, row_number) where change is not null;

      create table import_mapping_memory (
        user_id uuid not null,
        type text not null,
        signature text not null,
        mapping jsonb not null,
        updated_at timestamptz not null default now(),
        primary key (user_id, type, signature)
      );
    `);
  }
}
