import { Migration } from '@mikro-orm/migrations';

/**
 * `TRUNCATE licence_types` is refused again while licences are of any type: the foreign key that
 * Migration20261130003500 replaced with triggers refused it (a truncate fires no row triggers, so the
 * delete check alone let it through and left licences of types that no longer exist). Checked after the
 * truncate, so `TRUNCATE licence_types, user_licences` (both at once) still works, as it did with the key.
 */
export class Migration20261130003900_licence_types_truncate_guard extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function licence_types_not_truncated_in_use() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from user_licences) then
          raise exception 'cannot truncate a table referenced in a foreign key constraint'
            using errcode = 'feature_not_supported', constraint = 'user_licences_type_id_fkey', table = 'licence_types',
                  detail = 'Table "user_licences" references "licence_types".',
                  hint = 'Truncate table "user_licences" at the same time, or use TRUNCATE ... CASCADE.';
        end if;
        return null;
      end
      $$;
      create trigger licence_types_not_truncated_in_use after truncate on licence_types
        for each statement execute function licence_types_not_truncated_in_use();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists licence_types_not_truncated_in_use on licence_types;
      drop function if exists licence_types_not_truncated_in_use();
    `);
  }
}
