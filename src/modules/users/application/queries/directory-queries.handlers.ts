import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { UserAccess } from '../user-access.js';

export interface GroupView {
  id: string;
  name: string;
  parentId: string | null;
  memberCount: number;
  adminIds: string[];
}

export class ListGroupsQuery extends Query<GroupView[]> {
  constructor(readonly principal: Principal) {
    super();
  }
}

@QueryHandler(ListGroupsQuery)
export class ListGroupsHandler implements IQueryHandler<ListGroupsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal }: ListGroupsQuery): Promise<GroupView[]> {
    const administered = await this.access.administeredGroupIds(principal);
    const rows = await this.em.execute<{ id: string; name: string; parent_id: string | null; member_count: string; admin_ids: string[] | null }[]>(
      `select g.id, g.name, g.parent_id,
              (select count(*) from group_members gm where gm.group_id = g.id) as member_count,
              (select array_agg(ga.user_id) from group_admins ga where ga.group_id = g.id) as admin_ids
         from groups g where ${administered === 'all' ? 'true' : 'g.id = any(?::uuid[])'}
         order by lower(g.name), g.id`,
      administered === 'all' ? [] : [pgArray(administered)],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      parentId: row.parent_id,
      memberCount: Number(row.member_count),
      adminIds: row.admin_ids ?? [],
    }));
  }
}

export interface ManagerRelationView {
  managerId: string;
  manageeId: string;
  kind: 'manager' | 'coach';
}

/** Manager relations of one user, both directions, restricted to users in scope. */
export class ListManagerRelationsQuery extends Query<{ managers: ManagerRelationView[]; managees: ManagerRelationView[] }> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
  ) {
    super();
  }
}

@QueryHandler(ListManagerRelationsQuery)
export class ListManagerRelationsHandler implements IQueryHandler<ListManagerRelationsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, userId }: ListManagerRelationsQuery) {
    await this.access.assertUserInScope(principal, userId);
    const scope = this.access.scopeCondition(principal, 'other.id');
    const rows = await this.em.execute<{ manager_id: string; managee_id: string; kind: 'manager' | 'coach' }[]>(
      `select mr.manager_id, mr.managee_id, mr.kind from manager_relations mr
         join users other on other.id = case when mr.manager_id = ? then mr.managee_id else mr.manager_id end
        where (mr.manager_id = ? or mr.managee_id = ?) and ${scope.sql}`,
      [userId, userId, userId, ...scope.params],
    );
    const views = rows.map((row) => ({ managerId: row.manager_id, manageeId: row.managee_id, kind: row.kind }));
    return { managers: views.filter((v) => v.manageeId === userId), managees: views.filter((v) => v.managerId === userId) };
  }
}

export interface RoleView {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  system: boolean;
}

export class ListRolesQuery extends Query<RoleView[]> {}

@QueryHandler(ListRolesQuery)
export class ListRolesHandler implements IQueryHandler<ListRolesQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute(): Promise<RoleView[]> {
    return this.em.execute<RoleView[]>(`select id, key, name, permissions, system from roles order by system desc, key`);
  }
}

export interface ApiTokenView {
  id: string;
  name: string;
  displayPrefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export class ListApiTokensQuery extends Query<ApiTokenView[]> {
  constructor(readonly principal: Principal) {
    super();
  }
}

@QueryHandler(ListApiTokensQuery)
export class ListApiTokensHandler implements IQueryHandler<ListApiTokensQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ principal }: ListApiTokensQuery): Promise<ApiTokenView[]> {
    const rows = await this.em.execute<Record<string, Date | string | null>[]>(
      `select id, name, display_prefix, created_at, expires_at, last_used_at, revoked_at from api_tokens where user_id = ? order by created_at desc`,
      [principal.userId],
    );
    const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
    return rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      displayPrefix: String(row.display_prefix),
      createdAt: iso(row.created_at)!,
      expiresAt: iso(row.expires_at),
      lastUsedAt: iso(row.last_used_at),
      revokedAt: iso(row.revoked_at),
    }));
  }
}

export interface ProfileFieldView {
  key: string;
  label: string;
  type: string;
  options: string[] | null;
  openForImport: boolean;
}

export class ListProfileFieldsQuery extends Query<ProfileFieldView[]> {}

@QueryHandler(ListProfileFieldsQuery)
export class ListProfileFieldsHandler implements IQueryHandler<ListProfileFieldsQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute(): Promise<ProfileFieldView[]> {
    return this.em.execute<ProfileFieldView[]>(
      `select key, label, type, options, open_for_import as "openForImport" from profile_field_definitions order by key`,
    );
  }
}
