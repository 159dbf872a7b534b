import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RowOutcome, UndoRow } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { pgArray } from '#libs/database/sql.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import type { ProfileValue } from '../../../domain/profile-field-definition.js';
import { PROFILE_COLUMN_PREFIX, type RecordedValues } from '../../../domain/user-import-row-rules.js';
import { UserAccess } from '../../user-access.js';
import { GROUPS_ADDED, ROLE_GIVEN, USER_ENTITY } from '../import-users-chunk/import-users-chunk.handler.js';

/** Reverts a chunk of a users import's rows (module-internal: the users import type sends it). */
export class UndoImportedUsersCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    readonly rows: UndoRow[],
  ) {
    super();
  }
}

interface CurrentUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  user_code: string | null;
  language: string;
  profile: Record<string, ProfileValue>;
  status: string;
  has_password: boolean;
  in_scope: boolean;
  reach_within: boolean;
  permissions: string[] | null;
  groups: string[] | null;
  roles: string[] | null;
  /** Administers a group, manages or coaches someone, is managed, or holds an API token. */
  related: boolean;
}

const FIELD_COLUMNS: Record<string, keyof CurrentUser> = { email: 'email', firstName: 'first_name', lastName: 'last_name', userCode: 'user_code', language: 'language' };
const META_KEYS = new Set([GROUPS_ADDED, ROLE_GIVEN]);

/**
 * Undo of a users import, only where the user is untouched since: every value the row recorded is still
 * the value it set (`after`). Then an updated user gets the recorded `before` values back, and the group
 * memberships the row added go. A user the row created is deleted (as DELETE /api/users/:id does: the
 * record stays for history, the email is free again) only while it has no password (never signed in) and
 * nothing in this module refers to it beyond what the import gave it (no other groups or roles, no group
 * it administers, no manager relation, no API token); otherwise the row is skipped with a warning.
 * A row is reverted entirely or not at all. Three statements per chunk at most.
 */
@CommandHandler(UndoImportedUsersCommand)
export class UndoImportedUsersHandler implements ICommandHandler<UndoImportedUsersCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, rows }: UndoImportedUsersCommand): Promise<RowOutcome[]> {
    const ids = [...new Set(rows.filter((row) => row.change.entity === USER_ENTITY).map((row) => row.change.id))];
    const current = await this.currentUsers(principal, ids);
    const policy = new GrantPolicy(principal.permissions);
    const outcomes: RowOutcome[] = [];
    const reverts: { id: string; fields: RecordedValues; profileSet: Record<string, ProfileValue>; profileRemove: string[] }[] = [];
    const deletions: string[] = [];
    const memberships: { groupId: string; userId: string }[] = [];

    for (const { rowNumber, change } of rows) {
      const skipped = (code: string, params?: Record<string, string | number>): RowOutcome => ({ rowNumber, status: 'skipped', errors: [], warnings: [{ code, params }], entityId: change.id });
      if (change.entity !== USER_ENTITY || change.after === null) {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'users' } }], warnings: [] });
        continue;
      }
      const user = current.get(change.id);
      if (!user || user.status === 'deleted') {
        outcomes.push(skipped('IMPORTS.UNDO_ALREADY_GONE'));
        continue;
      }
      if (!user.in_scope || !user.reach_within || policy.missing(user.permissions ?? []) !== undefined) {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: 'USERS.IMPORT_UNDO_NOT_MANAGEABLE' }], warnings: [], entityId: change.id });
        continue;
      }
      const after = change.after;
      const recorded = Object.entries(after).filter(([key]) => !META_KEYS.has(key));
      if (!recorded.every(([key, value]) => valueOf(user, key) === value)) {
        outcomes.push(skipped('IMPORTS.UNDO_CHANGED_SINCE'));
        continue;
      }
      const groupsAdded = Array.isArray(after[GROUPS_ADDED]) ? (after[GROUPS_ADDED] as string[]) : [];
      if (change.before === null) {
        const roleGiven = after[ROLE_GIVEN];
        const onlyImported =
          !user.has_password &&
          !user.related &&
          (user.groups ?? []).every((groupId) => groupsAdded.includes(groupId)) &&
          (user.roles ?? []).every((role) => role === roleGiven);
        if (!onlyImported) {
          outcomes.push(skipped('USERS.IMPORT_UNDO_USER_IN_USE', { email: user.email }));
          continue;
        }
        deletions.push(user.id);
      } else {
        const fields: RecordedValues = {};
        const profileSet: Record<string, ProfileValue> = {};
        const profileRemove: string[] = [];
        for (const [key, value] of Object.entries(change.before)) {
          if (key.startsWith(PROFILE_COLUMN_PREFIX)) {
            const field = key.slice(PROFILE_COLUMN_PREFIX.length);
            if (value === null || value === undefined) profileRemove.push(field);
            else profileSet[field] = value as ProfileValue;
          } else if (key in FIELD_COLUMNS) {
            fields[key] = value as string | null;
          }
        }
        reverts.push({ id: user.id, fields, profileSet, profileRemove });
      }
      for (const groupId of groupsAdded) memberships.push({ groupId, userId: user.id });
      outcomes.push({ rowNumber, status: 'succeeded', errors: [], warnings: [], entityId: user.id, change: { entity: USER_ENTITY, id: user.id, before: after, after: change.before } });
    }

    await this.removeMemberships(memberships);
    await this.revert(reverts);
    await this.delete(deletions);
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  private async currentUsers(principal: Principal, ids: string[]): Promise<Map<string, CurrentUser>> {
    if (ids.length === 0) return new Map();
    const scope = this.access.scopeCondition(principal, 'u.id');
    const reach = this.access.reachWithinCondition(principal, 'u.id');
    const rows = await this.em.execute<CurrentUser[]>(
      `select u.id, u.email, u.first_name, u.last_name, u.user_code, u.language, u.profile, u.status, u.password_hash is not null as has_password,
              (${scope.sql}) as in_scope, (${reach.sql}) as reach_within,
              (select array_agg(distinct p.permission) from user_roles ur join roles r on r.id = ur.role_id, unnest(r.permissions) as p(permission)
                where ur.user_id = u.id) as permissions,
              (select array_agg(gm.group_id) from group_members gm where gm.user_id = u.id) as groups,
              (select array_agg(r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id) as roles,
              (exists (select 1 from group_admins ga where ga.user_id = u.id)
                or exists (select 1 from manager_relations mr where mr.manager_id = u.id or mr.managee_id = u.id)
                or exists (select 1 from api_tokens t where t.user_id = u.id)) as related
         from users u where u.id = any(?::uuid[])`,
      [...scope.params, ...reach.params, pgArray(ids)],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  private async removeMemberships(memberships: { groupId: string; userId: string }[]): Promise<void> {
    if (memberships.length === 0) return;
    await executeBound(
      this.em,
      `delete from group_members gm using unnest($1::uuid[], $2::uuid[]) as m(group_id, user_id) where gm.group_id = m.group_id and gm.user_id = m.user_id`,
      [memberships.map((m) => m.groupId), memberships.map((m) => m.userId)],
    );
  }

  /** The recorded `before` values back: a field absent from a row's record keeps its value. */
  private async revert(reverts: { id: string; fields: RecordedValues; profileSet: Record<string, ProfileValue>; profileRemove: string[] }[]): Promise<void> {
    if (reverts.length === 0) return;
    await executeBound(
      this.em,
      `update users u
          set first_name = case when r.fields ? 'firstName' then r.fields ->> 'firstName' else u.first_name end,
              last_name = case when r.fields ? 'lastName' then r.fields ->> 'lastName' else u.last_name end,
              user_code = case when r.fields ? 'userCode' then r.fields ->> 'userCode' else u.user_code end,
              language = case when r.fields ? 'language' then r.fields ->> 'language' else u.language end,
              profile = (u.profile - array(select jsonb_array_elements_text(r.profile_remove))) || r.profile_set,
              updated_at = now()
         from jsonb_to_recordset($1::jsonb) as r(id uuid, fields jsonb, profile_set jsonb, profile_remove jsonb)
        where u.id = r.id`,
      [JSON.stringify(reverts.map((r) => ({ id: r.id, fields: r.fields, profile_set: r.profileSet, profile_remove: r.profileRemove })))],
    );
  }

  /** Users the import created, deleted the way DELETE /api/users/:id does. */
  private async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await executeBound(
      this.em,
      `update users set status = 'deleted', password_hash = null, token_version = token_version + 1, updated_at = now() where id = any($1::uuid[])`,
      [ids],
    );
  }
}

/** The current value of a recorded key: a user field, or `profile.<key>` (null when unset). */
function valueOf(user: CurrentUser, key: string): unknown {
  if (key.startsWith(PROFILE_COLUMN_PREFIX)) return user.profile?.[key.slice(PROFILE_COLUMN_PREFIX.length)] ?? null;
  const column = FIELD_COLUMNS[key];
  return column ? user[column] : undefined;
}
