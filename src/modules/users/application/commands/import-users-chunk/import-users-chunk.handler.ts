import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ImportColumn, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { UserCreated, WelcomeMailRequested, type Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { pgArray } from '#libs/database/sql.js';
import type { Language } from '#libs/i18n/i18n.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import type { ProfileValue } from '../../../domain/profile-field-definition.js';
import {
  changesFields,
  checkUserRow,
  PROFILE_COLUMN_PREFIX,
  type ImportableProfileField,
  type ImportedUserState,
  type PlannedCreate,
  type PlannedUpdate,
  type PlannedUserRow,
} from '../../../domain/user-import-row-rules.js';
import { GROUPS_ADDED, ROLE_GIVEN, USER_ENTITY } from '../../../domain/user-import-undo-rules.js';
import { UserAccess } from '../../user-access.js';

export type WelcomeMailMode = 'none' | 'all' | 'updated';

/** The users import's options with their defaults applied (see UsersImportOptions). */
export interface UsersImportSettings {
  groupIds: string[];
  /** Role of new users (existing users keep theirs). */
  roleKey: string;
  language: Language;
  fillTerms: boolean;
  welcomeMail: WelcomeMailMode;
}

/**
 * A chunk of users-import rows, as one command (module-internal: the users import type sends it). The
 * rules run per row in memory; the chunk is written in a handful of statements.
 */
export class ImportUsersChunkCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly rows: RawImportRow[],
    /** The type's own columns (names for messages); the profile fields' are added from the chunk's lookup. */
    readonly columns: ImportColumn[],
    readonly settings: UsersImportSettings,
    readonly validateOnly: boolean,
  ) {
    super();
  }
}

interface FoundUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  user_code: string | null;
  language: string;
  profile: Record<string, ProfileValue>;
  in_scope: boolean;
  reach_within: boolean;
  /** Holds a permission the principal lacks (GrantPolicy.assertMayManage's rule, evaluated in SQL for the chunk). */
  holds_more: boolean;
  member_of: string[] | null;
}

/**
 * Creates and updates the users of one chunk. Lookups: the rows' emails (with scope, reach and
 * permissions of each user found), their user codes, the importable profile fields and the role: one
 * query each. Writes: new terms (per field that gains any), one INSERT of the new users, one UPDATE of
 * the changed ones, one INSERT of group memberships and one of roles. Events: UserCreated per new user
 * (no welcome mail from it) and WelcomeMailRequested per recipient of the welcomeMail option.
 */
@CommandHandler(ImportUsersChunkCommand)
export class ImportUsersChunkHandler implements ICommandHandler<ImportUsersChunkCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, importId, rows, columns, settings, validateOnly }: ImportUsersChunkCommand): Promise<RowOutcome[]> {
    const emails = [...new Set(rows.map((row) => (row.values.email ?? '').trim().toLowerCase()).filter(Boolean))];
    const codes = [...new Set(rows.map((row) => (row.values.userCode ?? '').normalize('NFC').trim()).filter(Boolean))];
    // The roles first (a handful of rows, scanned before seq scans are switched off: a disabled seq scan's
    // cost would make PostgreSQL JIT-compile the statement, some 100 ms): the role of new users, and whether
    // any role carries a permission the principal lacks (none does for a platform admin, whose lookup then
    // reads no user's roles).
    const { roleId, anyRoleBeyond } = await this.roles(settings.roleKey, principal.permissions);
    // Key lookups and writes by id go through the unique indexes whatever the statistics say. The users
    // table can grow tenfold within one import (or start nearly empty), and until autovacuum analyses it
    // the planner takes "= any(1000 emails)" for most of the table and scans all of it, chunk after chunk.
    // Only for these two lookups (set back right after), local to the chunk's transaction.
    await this.em.execute(`set local enable_seqscan = off`);
    const found = await this.usersByEmail(principal, emails, settings.groupIds, anyRoleBeyond);
    const codeHolders = await this.codeHolders(codes);
    await this.em.execute(`set local enable_seqscan = on`);
    const fields = await this.importableFields();
    const headers = [...columns, ...[...fields.values()].map(profileColumnHeader)];
    const mayCreate = this.access.seesEveryone(principal) || settings.groupIds.length > 0;

    const outcomes: RowOutcome[] = [];
    const plans: PlannedUserRow[] = [];
    const termsByField = new Map<string, string[]>();
    for (const row of rows) {
      const email = (row.values.email ?? '').trim().toLowerCase();
      const user = found.get(email);
      const manageable = user !== undefined && user.in_scope && user.reach_within && !user.holds_more;
      const code = (row.values.userCode ?? '').normalize('NFC').trim();
      const holder = code ? codeHolders.get(code) : undefined;
      const result = checkUserRow(row, headers, {
        existing: manageable ? stateOf(user) : undefined,
        unmanageable: user !== undefined && !manageable,
        // Free only when its holder is this row's own manageable user: comparing with an out-of-scope
        // holder's email would tell whether that address holds the code.
        userCodeTaken: holder !== undefined && !(manageable && holder === email),
        fields,
        fillTerms: settings.fillTerms,
        defaultLanguage: settings.language,
        mayCreate,
      });
      if ('status' in result) {
        outcomes.push(result);
        continue;
      }
      for (const { field, term } of result.newTerms) {
        // Known to the next rows of the chunk, which then neither add it again nor warn.
        const definition = fields.get(field)!;
        definition.options = [...(definition.options ?? []), term];
        termsByField.set(field, [...(termsByField.get(field) ?? []), term]);
      }
      plans.push(result);
    }

    const creates = plans.filter((plan): plan is PlannedCreate => plan.kind === 'create');
    const updates = plans.filter((plan): plan is PlannedUpdate => plan.kind === 'update');
    const createdIds = new Map(creates.map((plan) => [plan, randomUUID()] as const));
    const groupsAdded = new Map<PlannedUserRow, string[]>();
    for (const plan of creates) groupsAdded.set(plan, settings.groupIds);
    for (const plan of updates) {
      const memberOf = new Set(found.get(plan.user.email)?.member_of ?? []);
      groupsAdded.set(
        plan,
        settings.groupIds.filter((groupId) => !memberOf.has(groupId)),
      );
    }

    await this.addTerms(termsByField);
    await this.insertUsers(creates, createdIds);
    await this.updateUsers(updates.filter(changesFields));
    await this.addMemberships([...groupsAdded].flatMap(([plan, groupIds]) => groupIds.map((groupId) => ({ groupId, userId: idOf(plan, createdIds) }))));
    await this.giveRole(roleId, [...createdIds.values()]);

    for (const plan of creates) {
      const id = createdIds.get(plan)!;
      const { firstName, lastName, userCode, language } = plan.values;
      recordEvent(this.em, new UserCreated({ userId: id, userCode, email: plan.email, firstName, lastName, language, createdBy: principal.userId, sendWelcomeMail: false }));
      if (settings.welcomeMail !== 'none') {
        recordEvent(this.em, new WelcomeMailRequested({ userId: id, email: plan.email, firstName, language, requestedBy: principal.userId, importId }));
      }
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: plan.warnings,
        // A validation's ids are thrown away with its writes: only the run names the user.
        entityId: validateOnly ? undefined : id,
        change: { entity: USER_ENTITY, id, before: null, after: { ...plan.after, [GROUPS_ADDED]: settings.groupIds, [ROLE_GIVEN]: settings.roleKey } },
      });
    }
    for (const plan of updates) {
      const added = groupsAdded.get(plan)!;
      const changed = changesFields(plan) || added.length > 0;
      if (settings.welcomeMail === 'all' || (settings.welcomeMail === 'updated' && changed)) {
        const firstName = plan.set.firstName ?? plan.user.firstName;
        const language = plan.set.language ?? plan.user.language;
        recordEvent(this.em, new WelcomeMailRequested({ userId: plan.user.id, email: plan.user.email, firstName, language, requestedBy: principal.userId, importId, accountCreated: false }));
      }
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: plan.warnings,
        entityId: plan.user.id,
        change: changed ? { entity: USER_ENTITY, id: plan.user.id, before: plan.before, after: { ...plan.after, [GROUPS_ADDED]: added } } : undefined,
      });
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  /**
   * Active users by lowercased email (`emails` are distinct), with what decides whether the principal may
   * change them. Per user found only what can be true: with scope.all scope and reach are the constant
   * `true`, when no role carries a permission the principal lacks nobody holds more, without groupIds
   * there are no memberships to read.
   */
  private async usersByEmail(principal: Principal, emails: string[], groupIds: string[], anyRoleBeyond: boolean): Promise<Map<string, FoundUser>> {
    if (emails.length === 0) return new Map();
    const scope = this.access.scopeCondition(principal, 'u.id');
    const reach = this.access.reachWithinCondition(principal, 'u.id');
    // Parameters in the order their `?` appear: select list, then the joins.
    const params: unknown[] = [...scope.params, ...reach.params];
    let memberOf = 'null::uuid[]';
    if (groupIds.length > 0) {
      memberOf = `(select array_agg(gm.group_id) from group_members gm where gm.user_id = u.id and gm.group_id = any(?::uuid[]))`;
      params.push(groupIds);
    }
    params.push(emails);
    // GrantPolicy.assertMayManage's rule: the user holds a role carrying a permission the principal lacks.
    // Read only when such a role exists (a platform admin holds every permission there is); then a lateral
    // probe per user found (user_roles by its primary key): as a plain subquery the planner may hash it,
    // reading every user's roles for each chunk.
    let holdsMore = 'false';
    let beyond = '';
    if (anyRoleBeyond) {
      holdsMore = 'beyond.user_id is not null';
      beyond = `left join lateral (select ur.user_id from user_roles ur join roles r on r.id = ur.role_id
                                    where ur.user_id = u.id and not (r.permissions <@ ?::text[]) limit 1) beyond on true`;
      params.push(principal.permissions);
    }
    // One probe of users_email_unique per address, by construction (a lateral subquery with LIMIT is never
    // flattened, so each is an index lookup on its own key). As "lower(email) = any(?)" the planner, before
    // the users table has statistics (a bulk insert just before, or this very import's new users), read
    // every active user through the partial users_user_code_unique index and tested each against the 1000
    // addresses: 15 ms a chunk at 10,000 users, growing with the table (enable_seqscan = off does not stop
    // that: it is not a seq scan).
    const rows = await executeBound<FoundUser>(
      this.em,
      numbered(`select u.id, lower(u.email) as email, u.first_name, u.last_name, u.user_code, u.language, u.profile,
              (${scope.sql}) as in_scope, (${reach.sql}) as reach_within, ${holdsMore} as holds_more, ${memberOf} as member_of
         from unnest(?::text[]) as e(email)
         cross join lateral (select u.id, u.email, u.first_name, u.last_name, u.user_code, u.language, u.profile from users u
                              where lower(u.email) = e.email and u.status <> 'deleted' limit 1) u
         ${beyond}`),
      params,
    );
    return new Map(rows.map((row) => [row.email, row]));
  }

  /** Holders of these user codes among active users: code -> their lowercased email. */
  private async codeHolders(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows = await executeBound<{ user_code: string; email: string }>(
      this.em,
      `select user_code, lower(email) as email from users where user_code = any($1::text[]) and status <> 'deleted'`,
      [codes],
    );
    return new Map(rows.map((row) => [row.user_code, row.email]));
  }

  /** Profile fields open for import, dates excepted. */
  private async importableFields(): Promise<Map<string, ImportableProfileField>> {
    const rows = await this.em.execute<ImportableProfileField[]>(
      `select key, label, type, options from profile_field_definitions where open_for_import and type <> 'date'`,
    );
    return new Map(rows.map((row) => [row.key, row]));
  }

  /**
   * The id of the role given to new users (undefined when unknown), and whether any role carries a
   * permission the principal lacks (whoever holds one holds more than the principal).
   */
  private async roles(roleKey: string, permissions: string[]): Promise<{ roleId: string | undefined; anyRoleBeyond: boolean }> {
    const rows = await executeBound<{ id: string; key: string; beyond: boolean }>(
      this.em,
      `select id, key, not (permissions <@ $1::text[]) as beyond from roles where key = $2 or not (permissions <@ $1::text[])`,
      [permissions, roleKey],
    );
    return { roleId: rows.find((row) => row.key === roleKey)?.id, anyRoleBeyond: rows.some((row) => row.beyond) };
  }

  /** New taxonomy terms (fillTerms), appended in one statement per field; a term another chunk added meanwhile is not added twice. */
  private async addTerms(termsByField: Map<string, string[]>): Promise<void> {
    // Fields in key order: two chunks adding terms to the same fields lock them in the same order.
    for (const [field, terms] of [...termsByField].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await this.em.execute(
        `update profile_field_definitions set options = coalesce(options, '{}') || array(
           select t from unnest(?::text[]) with ordinality as n(t, i)
            where not exists (select 1 from unnest(coalesce(options, '{}')) o where lower(o) = lower(n.t)) order by n.i)
          where key = ?`,
        [pgArray(terms), field],
      );
    }
  }

  /**
   * Column arrays bound as PostgreSQL arrays and unnested: PostgreSQL reads them in about a third of the
   * CPU it spends on jsonb_to_recordset of the same rows. Profiles stay JSON (one array, read by position),
   * and are not sent at all when no row has any. (The UPDATE of updateUsers measured slower this way, so
   * it keeps its JSON.)
   */
  private async insertUsers(creates: PlannedCreate[], ids: Map<PlannedCreate, string>): Promise<void> {
    if (creates.length === 0) return;
    const profiles = creates.some((plan) => Object.keys(plan.values.profile).length > 0) ? JSON.stringify(creates.map((plan) => plan.values.profile)) : null;
    await executeBound(
      this.em,
      `insert into users (id, user_code, email, first_name, last_name, language, status, password_hash, token_version, profile, created_at, updated_at)
       select r.id, r.user_code, r.email, r.first_name, r.last_name, r.language, 'active', null, 0, coalesce($7::jsonb -> (r.n::int - 1), '{}'), now(), now()
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) with ordinality as r(id, user_code, email, first_name, last_name, language, n)`,
      [
        creates.map((plan) => ids.get(plan)),
        creates.map((plan) => plan.values.userCode),
        creates.map((plan) => plan.email),
        creates.map((plan) => plan.values.firstName),
        creates.map((plan) => plan.values.lastName),
        creates.map((plan) => plan.values.language),
        profiles,
      ],
    );
  }

  /** Only the values that change: a null leaves the column as it is; profile values are merged. */
  private async updateUsers(updates: PlannedUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await executeBound(
      this.em,
      `update users u
          set first_name = coalesce(r.first_name, u.first_name), last_name = coalesce(r.last_name, u.last_name),
              user_code = coalesce(r.user_code, u.user_code), language = coalesce(r.language, u.language),
              profile = u.profile || coalesce(r.profile, '{}'), updated_at = now()
         from jsonb_to_recordset($1::jsonb) as r(id uuid, first_name text, last_name text, user_code text, language text, profile jsonb)
        where u.id = r.id`,
      [
        JSON.stringify(
          updates.map((plan) => ({
            id: plan.user.id,
            first_name: plan.set.firstName ?? null,
            last_name: plan.set.lastName ?? null,
            user_code: plan.set.userCode ?? null,
            language: plan.set.language ?? null,
            profile: Object.keys(plan.set.profile).length > 0 ? plan.set.profile : null,
          })),
        ),
      ],
    );
  }

  private async addMemberships(memberships: { groupId: string; userId: string }[]): Promise<void> {
    if (memberships.length === 0) return;
    await executeBound(
      this.em,
      `insert into group_members (group_id, user_id) select * from unnest($1::uuid[], $2::uuid[]) on conflict do nothing`,
      [memberships.map((m) => m.groupId), memberships.map((m) => m.userId)],
    );
  }

  /**
   * The role of the users this chunk created. Their ids are new in this transaction, so no row can
   * conflict: a plain insert, without ON CONFLICT's speculative insertion (an index probe and an extra
   * WAL record per row).
   */
  private async giveRole(roleId: string | undefined, createdIds: string[]): Promise<void> {
    if (!roleId || createdIds.length === 0) return;
    await executeBound(this.em, `insert into user_roles (user_id, role_id) select unnest($1::uuid[]), $2::uuid`, [createdIds, roleId]);
  }
}

/** What messages call a profile field's column (as the import type's columns name it). */
function profileColumnHeader(field: ImportableProfileField): ImportColumn {
  return { key: `${PROFILE_COLUMN_PREFIX}${field.key}`, header: field.label, mandatory: false, note: '', kind: 'text' };
}

function stateOf(user: FoundUser): ImportedUserState {
  return {
    id: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    userCode: user.user_code,
    language: user.language,
    profile: user.profile ?? {},
  };
}

/** `?` placeholders (as UserAccess writes its scope conditions) as `$1..$n`, for parameters bound by the driver. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function idOf(plan: PlannedUserRow, createdIds: Map<PlannedCreate, string>): string {
  return plan.kind === 'create' ? createdIds.get(plan)! : plan.user.id;
}
