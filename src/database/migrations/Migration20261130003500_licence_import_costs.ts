import { Migration } from '@mikro-orm/migrations';

/**
 * What a licences import pays per row (issue 11), without changing a rule:
 *
 * - user_licences.type_id loses its foreign key to licence_types for triggers that keep the same rule. The
 *   key checked every inserted row on its own (a lookup and a KEY SHARE lock of the type per row: a third of
 *   the cost of inserting a chunk of licences). An AFTER INSERT statement trigger now checks and locks the
 *   statement's types once (KEY SHARE, as the key did: a type cannot be deleted until the writer commits),
 *   an UPDATE that changes a licence's type is checked per row, and deleting a licence type (or changing its
 *   id) that a licence is of fails as before. The errors are the key's own (SQLSTATE 23503, constraint
 *   user_licences_type_id_fkey), so the ORM still reads them as a foreign key violation. The delete check
 *   runs after the delete, as the key's did: a delete that waited for a writer's lock sees its licences.
 * - reporting_licences keeps one index besides its key: the expiry index (what the expiring report reads),
 *   now without licences that never expire (the report never counts them). The index on user_id goes: the
 *   report always reads a 90-day window of the expiry index, and filters the caller's users in it.
 * - user_licence_import_touches: rows of imports that have ended are deleted (the licences module now deletes
 *   them when an import ends; nothing reads them afterwards: undo works from the row log).
 */
export class Migration20261130003500_licence_import_costs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function user_licences_type_exists() returns trigger language plpgsql as $$
      declare
        wanted uuid[];
        locked integer;
        missing uuid;
      begin
        if tg_level = 'ROW' then
          wanted := array[new.type_id];
        else
          select array_agg(distinct n.type_id) into wanted from new_licences n;
        end if;
        if wanted is null then
          return null;
        end if;
        -- The lock the foreign key took for each row, once per type: a concurrent delete of the type waits for
        -- this transaction (and then finds its licences); a type deleted meanwhile is not locked, so it is missing.
        select count(*) into locked from (select 1 from licence_types t where t.id = any(wanted) for key share of t) s;
        if locked < cardinality(wanted) then
          select w into missing from unnest(wanted) w where not exists (select 1 from licence_types t where t.id = w) limit 1;
          raise exception 'insert or update on table "user_licences" violates foreign key constraint "user_licences_type_id_fkey"'
            using errcode = 'foreign_key_violation', constraint = 'user_licences_type_id_fkey', table = 'user_licences',
                  detail = format('Key (type_id)=(%s) is not present in table "licence_types".', missing);
        end if;
        return null;
      end
      $$;

      create function licence_types_not_in_use() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from user_licences l where l.type_id = old.id) then
          raise exception 'update or delete on table "licence_types" violates foreign key constraint "user_licences_type_id_fkey" on table "user_licences"'
            using errcode = 'foreign_key_violation', constraint = 'user_licences_type_id_fkey', table = 'user_licences',
                  detail = format('Key (id)=(%s) is still referenced from table "user_licences".', old.id);
        end if;
        return null;
      end
      $$;

      alter table user_licences drop constraint if exists user_licences_type_id_fkey;
      create trigger user_licences_type_exists_on_insert after insert on user_licences
        referencing new table as new_licences for each statement execute function user_licences_type_exists();
      create trigger user_licences_type_exists_on_update after update of type_id on user_licences
        for each row when (old.type_id is distinct from new.type_id) execute function user_licences_type_exists();
      create trigger licence_types_not_in_use_on_delete after delete on licence_types
        for each row execute function licence_types_not_in_use();
      create trigger licence_types_not_in_use_on_update after update of id on licence_types
        for each row when (old.id is distinct from new.id) execute function licence_types_not_in_use();

      drop index if exists reporting_licences_user_idx;
      drop index if exists reporting_licences_expiry_idx;
      create index reporting_licences_expiry_idx on reporting_licences (expires_on) where not removed and expires_on is not null;

      delete from user_licence_import_touches t where exists (select 1 from imports i where i.id = t.import_id and i.finished_at is not null);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists user_licences_type_exists_on_insert on user_licences;
      drop trigger if exists user_licences_type_exists_on_update on user_licences;
      drop trigger if exists licence_types_not_in_use_on_delete on licence_types;
      drop trigger if exists licence_types_not_in_use_on_update on licence_types;
      drop function if exists user_licences_type_exists();
      drop function if exists licence_types_not_in_use();
      alter table user_licences add constraint user_licences_type_id_fkey foreign key (type_id) references licence_types (id) on delete restrict;
      drop index if exists reporting_licences_expiry_idx;
      create index reporting_licences_expiry_idx on reporting_licences (expires_on) where not removed;
      create index reporting_licences_user_idx on reporting_licences (user_id);
    `);
  }
}
