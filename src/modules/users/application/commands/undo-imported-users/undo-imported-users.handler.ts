import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RowOutcome, UndoRow } from '#libs/contracts/imports/index.js';
import { UserDeleted, type Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { pgArray } from '#libs/database/sql.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import type { ProfileValue } from '../../../domain/profile-field-definition.js';
import type { RecordedValues } from '../../../domain/user-import-row-rules.js';
import { decideUserUndo, USER_ENTITY, type UserNow } from '../../../domain/user-import-undo-rules.js';
import { UserAccess } from '../../user-access.js';

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


/**
 * Undo of a users import, one chunk: the rules per row (decideUserUndo: only users untouched since; a
 * created user is deleted as DELETE /api/users/:id does, the record staying for history), then at most
 * three statements: memberships the rows added, reverted values, deleted users.
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
    const outcomes: RowOutcome[] = [];
    const reverts: { id: string; fields: RecordedValues; profileSet: Record<string, ProfileValue>; profileRemove: string[] }[] = [];
    const deletions: string[] = [];
    const memberships: { groupId: string; userId: string }[] = [];

    for (const { rowNumber, change } of rows) {
      const decision = decideUserUndo(change, current.get(change.id));
      const entityId = change.id;
      switch (decision.kind) {
        case 'fail':
          outcomes.push({ rowNumber, status: 'failed', errors: [{ code: decision.code, params: decision.params }], warnings: [], entityId });
          continue;
        case 'skip':
          outcomes.push({ rowNumber, status: 'skipped', errors: [], warnings: [{ code: decision.code, params: decision.params }], entityId });
          continue;
        case 'delete':
          deletions.push(change.id);
          break;
        case 'revert':
          reverts.push({ id: change.id, fields: decision.fields, profileSet: decision.profileSet, profileRemove: decision.profileRemove });
          break;
      }
      for (const groupId of decision.groupsAdded) memberships.push({ groupId, userId: change.id });
      outcomes.push({ rowNumber, status: 'succeeded', errors: [], warnings: [], entityId, change: { entity: USER_ENTITY, id: change.id, before: change.after, after: change.before } });
    }

    await this.removeMemberships(memberships);
    await this.revert(reverts);
    await this.delete(deletions);
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  /** The users as they are now, with what the undo rules need to know (decideUserUndo). */
  private async currentUsers(principal: Principal, ids: string[]): Promise<Map<string, UserNow>> {
    if (ids.length === 0) return new Map();
    const policy = new GrantPolicy(principal.permissions);
    const rows = await this.currentRows(principal, ids);
    return new Map(
      rows.map((row) => [
        row.id,
        {
          email: row.email,
          fields: { email: row.email, firstName: row.first_name, lastName: row.last_name, userCode: row.user_code, language: row.language },
          profile: row.profile ?? {},
          deleted: row.status === 'deleted',
          hasPassword: row.has_password,
          related: row.related,
          groupIds: row.groups ?? [],
          roleKeys: row.roles ?? [],
          manageable: row.in_scope && row.reach_within && policy.missing(row.permissions ?? []) === undefined,
        },
      ]),
    );
  }

  /**
   * Locked (for update, in id order) until the chunk's transaction ends: a password set through the welcome
   * link, or a change by an admin, waits for the undo or is seen by it, never slips in between read and write.
   */
  private async currentRows(principal: Principal, ids: string[]): Promise<CurrentUser[]> {
    const scope = this.access.scopeCondition(principal, 'u.id');
    const reach = this.access.reachWithinCondition(principal, 'u.id');
    return this.em.execute<CurrentUser[]>(
      `select u.id, u.email, u.first_name, u.last_name, u.user_code, u.language, u.profile, u.status, u.password_hash is not null as has_password,
              (${scope.sql}) as in_scope, (${reach.sql}) as reach_within,
              (select array_agg(distinct p.permission) from user_roles ur join roles r on r.id = ur.role_id, unnest(r.permissions) as p(permission)
                where ur.user_id = u.id) as permissions,
              (select array_agg(gm.group_id) from group_members gm where gm.user_id = u.id) as groups,
              (select array_agg(r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id) as roles,
              (exists (select 1 from group_admins ga where ga.user_id = u.id)
                or exists (select 1 from manager_relations mr where mr.manager_id = u.id or mr.managee_id = u.id)
                or exists (select 1 from api_tokens t where t.user_id = u.id)) as related
         from users u where u.id = any(?::uuid[])
        order by u.id for update of u`,
      [...scope.params, ...reach.params, pgArray(ids)],
    );
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

  /** Users the import created, deleted the way DELETE /api/users/:id does (UserDeleted for each, in the chunk's transaction). */
  private async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const deleted = await executeBound<{ id: string }>(
      this.em,
      // Also guarded here: only a user still without a password and active is removed, whatever happened since the read.
      `update users set status = 'deleted', password_hash = null, token_version = token_version + 1, updated_at = now()
        where id = any($1::uuid[]) and password_hash is null and status = 'active' returning id`,
      [ids],
    );
    for (const { id } of deleted) recordEvent(this.em, new UserDeleted({ userId: id }));
  }
}
