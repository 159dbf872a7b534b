import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '#libs/contracts/users/index.js';
import { likeContains } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';
import { ADMINISTERED_GROUP_IDS_SQL } from '../infrastructure/access-scope.sql.js';
import { UserAccess } from './user-access.js';

export interface UserView {
  id: string;
  userCode: string | null;
  email: string;
  firstName: string;
  lastName: string;
  language: string;
  status: 'active' | 'deleted';
  profile: Record<string, unknown>;
  roles: string[];
  groups: { id: string; name: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface UserListFilter {
  search?: string;
  groupId?: string;
  status?: 'active' | 'deleted' | 'all';
  userCode?: string;
  page: number;
  pageSize: number;
}

interface UserRow {
  id: string;
  user_code: string | null;
  email: string;
  first_name: string;
  last_name: string;
  language: string;
  status: 'active' | 'deleted';
  profile: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  roles: string[] | null;
  groups: { id: string; name: string }[] | null;
}

/** A user's columns; `visibleGroups` limits the groups listed to those the caller may see (SQL condition on g.id). */
const userColumns = (visibleGroups: string) => `
  u.id, u.user_code, u.email, u.first_name, u.last_name, u.language, u.status, u.profile, u.created_at, u.updated_at,
  (select array_agg(r.key order by r.key) from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id) as roles,
  (select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name) from group_members gm
     join groups g on g.id = gm.group_id where gm.user_id = u.id and ${visibleGroups}) as groups`;

/** Read side of users: scope is part of every query. */
@Injectable()
export class UserViews {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  /**
   * The columns for this caller: a limited admin sees, of a user's groups, only those they administer (the
   * groups list shows them no others either); a member's other groups are not theirs to know.
   */
  private columnsFor(principal: Principal): { sql: string; params: unknown[] } {
    if (this.access.seesEveryone(principal)) return { sql: userColumns('true'), params: [] };
    return { sql: userColumns(`g.id in (${ADMINISTERED_GROUP_IDS_SQL})`), params: [principal.userId] };
  }

  async list(principal: Principal, filter: UserListFilter): Promise<{ items: UserView[]; total: number }> {
    // A group the caller cannot see answers as a group that does not exist, not with which of their users are in it.
    if (filter.groupId) await this.access.assertGroupVisible(principal, filter.groupId);
    const scope = this.access.scopeCondition(principal);
    const where: string[] = [scope.sql];
    const params: unknown[] = [...scope.params];
    const status = filter.status ?? 'active';
    if (status !== 'all') {
      where.push('u.status = ?');
      params.push(status);
    }
    if (filter.search) {
      where.push(`(u.email ilike ? or u.first_name || ' ' || u.last_name ilike ? or u.user_code ilike ?)`);
      const like = likeContains(filter.search);
      params.push(like, like, like);
    }
    if (filter.userCode) {
      where.push('u.user_code = ?');
      params.push(filter.userCode);
    }
    if (filter.groupId) {
      where.push('exists (select 1 from group_members gm where gm.user_id = u.id and gm.group_id = ?)');
      params.push(filter.groupId);
    }
    // The page from the list order's index (it stops after the page), the total counted apart: a count over ()
    // in the page's statement walked every matching row through the index and the heap.
    const condition = where.join(' and ');
    const offset = (filter.page - 1) * filter.pageSize;
    const columns = this.columnsFor(principal);
    const rows = await this.em.execute<UserRow[]>(
      `select ${columns.sql} from users u where ${condition}
       order by lower(u.last_name), lower(u.first_name), u.id limit ? offset ?`,
      [...columns.params, ...params, filter.pageSize, offset],
    );
    // A page that is not full is the last one: its total needs no count.
    let total = offset + rows.length;
    if (rows.length === filter.pageSize || (rows.length === 0 && offset > 0)) {
      const [count] = await this.em.execute<{ total: string }[]>(`select count(*) as total from users u where ${condition}`, params);
      total = Number(count.total);
    }
    return { items: rows.map(toView), total };
  }

  async get(principal: Principal, userId: string): Promise<UserView> {
    const scope = this.access.scopeCondition(principal);
    const columns = this.columnsFor(principal);
    const rows = await this.em.execute<UserRow[]>(`select ${columns.sql} from users u where u.id = ? and ${scope.sql}`, [
      ...columns.params,
      userId,
      ...scope.params,
    ]);
    if (rows.length === 0) throw notFound('USERS.USER_NOT_FOUND');
    return toView(rows[0]);
  }
}

function toView(row: UserRow): UserView {
  return {
    id: row.id,
    userCode: row.user_code,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    language: row.language,
    status: row.status,
    profile: row.profile ?? {},
    roles: row.roles ?? [],
    groups: row.groups ?? [],
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
