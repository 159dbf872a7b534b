import { Migration } from '@mikro-orm/migrations';

/**
 * Obtained certificates get a version, so that undoing an import can tell a certificate the import
 * created from one that was changed afterwards ("safe rather than broad": only untouched ones go).
 *
 * The database keeps it, not the application, so every writer counts (the ORM, the bulk writer, SQL run
 * by hand): a new certificate starts at 1; every UPDATE that changes its row adds one (trigger, as
 * imports.version); adding, changing or removing one of its attachments adds one too. The bulk writer
 * inserts a new certificate's attachments before the certificate itself (the foreign key is deferred),
 * so a certificate imported with its file still starts at 1: the attachment trigger finds no row yet.
 *
 * Undo removes certificates, and the certificates-per-month read model subtracts them
 * (ObtainedCertificateRemoved). Events reach subscribers through a queue, in no guaranteed order: a
 * removal may be counted before its registration. The count is a sum of +1 and -1 that ends right in
 * any order, so it may be negative for that moment; the check that forbade it goes.
 */
export class Migration20261130001400_obtained_certificate_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table obtained_certificates add column version bigint not null default 1;

      create function obtained_certificates_next_version() returns trigger language plpgsql as $$
      begin
        new.version := old.version + 1;
        return new;
      end $$;
      create trigger obtained_certificates_version before update on obtained_certificates
        for each row when (old.* is distinct from new.*) execute function obtained_certificates_next_version();

      create function obtained_certificate_attachments_touch() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then
          update obtained_certificates set version = version + 1 where id = old.certificate_id;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.certificate_id is distinct from old.certificate_id) then
          update obtained_certificates set version = version + 1 where id = new.certificate_id;
        end if;
        return null;
      end $$;
      create trigger obtained_certificate_attachments_touch after insert or update or delete on obtained_certificate_attachments
        for each row execute function obtained_certificate_attachments_touch();

      alter table reporting_certificates_per_month drop constraint if exists reporting_certificates_per_month_certificates_check;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists obtained_certificate_attachments_touch on obtained_certificate_attachments;
      drop function if exists obtained_certificate_attachments_touch();
      drop trigger if exists obtained_certificates_version on obtained_certificates;
      drop function if exists obtained_certificates_next_version();
      alter table obtained_certificates drop column if exists version;
    `);
  }
}
