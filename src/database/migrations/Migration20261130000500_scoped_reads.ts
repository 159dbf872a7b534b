import { Migration } from '@mikro-orm/migrations';

/**
 * Reports are scoped to the users a caller may see, so the reporting read models keep whose rows they
 * count: the user a certificate was registered for, the user who started an import. Both events already
 * carry them (ObtainedCertificateRegistered.userId, ImportCompleted.startedBy).
 *
 * Rows written before this migration are attributed once from the source tables, for each report cell
 * (definition and month; day, type and mode) whose count the source tables explain exactly. A cell they
 * do not explain (a deleted certificate, an event still waiting in the outbox) keeps its count without a
 * user: totals never change, and unattributed counts are shown to platform admins only. This one-time
 * backfill is the only place the reporting module reads those tables.
 *
 * Imports get a version that grows with every change of their row (a trigger, so every writer counts):
 * the id of their Server-Sent Events, with which a reconnecting client resumes (Last-Event-ID).
 */
export class Migration20261130000500_scoped_reads extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table reporting_certificates_per_month add column user_id uuid null;
      alter table reporting_certificates_per_month drop constraint reporting_certificates_per_month_pkey;
      create unique index reporting_certificates_per_month_key on reporting_certificates_per_month (definition_id, month, user_id) nulls not distinct;
      create index reporting_certificates_per_month_user_idx on reporting_certificates_per_month (user_id);

      create temporary table attributed_certificates as
        select o.definition_id, date_trunc('month', o.obtained_on)::date as month, o.user_id, count(*)::int as certificates
          from obtained_certificates o
         group by 1, 2, 3;
      create temporary table explained_certificate_cells as
        select r.definition_id, r.month
          from reporting_certificates_per_month r
          join (select definition_id, month, sum(certificates) as total from attributed_certificates group by 1, 2) a
            on a.definition_id = r.definition_id and a.month = r.month and a.total = r.certificates
         where r.user_id is null;
      insert into reporting_certificates_per_month (definition_id, definition_code, month, user_id, certificates)
        select a.definition_id, r.definition_code, a.month, a.user_id, a.certificates
          from attributed_certificates a
          join explained_certificate_cells e on e.definition_id = a.definition_id and e.month = a.month
          join reporting_certificates_per_month r on r.definition_id = a.definition_id and r.month = a.month and r.user_id is null;
      delete from reporting_certificates_per_month r
        using explained_certificate_cells e
        where r.definition_id = e.definition_id and r.month = e.month and r.user_id is null;

      alter table reporting_imports_per_day add column started_by uuid null;
      alter table reporting_imports_per_day drop constraint reporting_imports_per_day_pkey;
      create unique index reporting_imports_per_day_key on reporting_imports_per_day (day, import_type, validate_only, started_by) nulls not distinct;
      create index reporting_imports_per_day_started_by_idx on reporting_imports_per_day (started_by);

      create temporary table attributed_imports as
        select (i.finished_at at time zone 'UTC')::date as day, i.type as import_type, i.validate_only, i.started_by,
               count(*)::int as imports, count(*) filter (where i.status = 'failed')::int as imports_failed,
               sum(i.succeeded_rows)::bigint as rows_succeeded, sum(i.failed_rows)::bigint as rows_failed, sum(i.skipped_rows)::bigint as rows_skipped
          from imports i
         where i.finished_at is not null and i.status in ('completed', 'completed_with_errors', 'failed', 'cancelled')
         group by 1, 2, 3, 4;
      create temporary table explained_import_cells as
        select r.day, r.import_type, r.validate_only
          from reporting_imports_per_day r
          join (select day, import_type, validate_only, sum(imports) as imports, sum(imports_failed) as imports_failed,
                       sum(rows_succeeded) as rows_succeeded, sum(rows_failed) as rows_failed, sum(rows_skipped) as rows_skipped
                  from attributed_imports group by 1, 2, 3) a
            on a.day = r.day and a.import_type = r.import_type and a.validate_only = r.validate_only
           and a.imports = r.imports and a.imports_failed = r.imports_failed and a.rows_succeeded = r.rows_succeeded
           and a.rows_failed = r.rows_failed and a.rows_skipped = r.rows_skipped
         where r.started_by is null;
      delete from reporting_imports_per_day r
        using explained_import_cells e
        where r.day = e.day and r.import_type = e.import_type and r.validate_only = e.validate_only and r.started_by is null;
      insert into reporting_imports_per_day (day, import_type, validate_only, started_by, imports, imports_failed, rows_succeeded, rows_failed, rows_skipped)
        select a.day, a.import_type, a.validate_only, a.started_by, a.imports, a.imports_failed, a.rows_succeeded, a.rows_failed, a.rows_skipped
          from attributed_imports a
          join explained_import_cells e on e.day = a.day and e.import_type = a.import_type and e.validate_only = a.validate_only;
      drop table attributed_certificates, explained_certificate_cells, attributed_imports, explained_import_cells;

      alter table imports add column version bigint not null default 1;
      create function imports_next_version() returns trigger language plpgsql as $$
      begin
        new.version := old.version + 1;
        return new;
      end $$;
      create trigger imports_version before update on imports
        for each row when (old.* is distinct from new.*) execute function imports_next_version();
    `);
  }
}
