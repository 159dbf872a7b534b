import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import {
  FindUsersByCodesOrEmailsQuery,
  FindUsersByCodesQuery,
  GetPrincipalQuery,
  GetUsersInScopeQuery,
  ResolveUserScopeQuery,
  type Principal,
  type UserSummary,
} from '#libs/contracts/users/index.js';
import { lookupMany, rememberLookups } from '#libs/database/chunk-lookups.js';
import { pgArray } from '#libs/database/sql.js';
import { AuthenticationService } from '../authentication.service.js';
import { UserAccess } from '../user-access.js';
import { UserViews, type UserListFilter, type UserView } from '../user-views.js';

export class ListUsersQuery extends Query<{ items: UserView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: UserListFilter,
  ) {
    super();
  }
}

export class GetUserQuery extends Query<UserView> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
  ) {
    super();
  }
}

@QueryHandler(ListUsersQuery)
export class ListUsersHandler implements IQueryHandler<ListUsersQuery> {
  constructor(private readonly views: UserViews) {}
  execute({ principal, filter }: ListUsersQuery) {
    return this.views.list(principal, filter);
  }
}

@QueryHandler(GetUserQuery)
export class GetUserHandler implements IQueryHandler<GetUserQuery> {
  constructor(private readonly views: UserViews) {}
  execute({ principal, userId }: GetUserQuery) {
    return this.views.get(principal, userId);
  }
}

@QueryHandler(ResolveUserScopeQuery)
export class ResolveUserScopeHandler implements IQueryHandler<ResolveUserScopeQuery> {
  constructor(private readonly access: UserAccess) {}
  execute({ principal }: ResolveUserScopeQuery) {
    return this.access.scopeOf(principal);
  }
}

const SUMMARY_COLUMNS = `u.id, u.user_code as "userCode", u.email, u.first_name as "firstName", u.last_name as "lastName", u.language, u.status`;

@QueryHandler(GetUsersInScopeQuery)
export class GetUsersInScopeHandler implements IQueryHandler<GetUsersInScopeQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}
  async execute({ principal, userIds }: GetUsersInScopeQuery): Promise<UserSummary[]> {
    if (userIds.length === 0) return [];
    // Within an import chunk, the users its batch lookup found already are not asked for again.
    const found = await lookupMany(usersInScopeKind(principal), userIds, async (missing) => {
      const scope = this.access.scopeCondition(principal);
      const rows = await this.em.execute<UserSummary[]>(`select ${SUMMARY_COLUMNS} from users u where u.id = any(?::uuid[]) and ${scope.sql}`, [
        pgArray(missing),
        ...scope.params,
      ]);
      return new Map(rows.map((user) => [user.id, user]));
    });
    return [...new Set(userIds)].flatMap((id) => found.get(id) ?? []);
  }
}

/** Active users by user code; one query for a whole chunk of import rows. */
@QueryHandler(FindUsersByCodesQuery)
export class FindUsersByCodesHandler implements IQueryHandler<FindUsersByCodesQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}
  async execute({ principal, userCodes }: FindUsersByCodesQuery): Promise<UserSummary[]> {
    if (userCodes.length === 0) return [];
    const scope = this.access.scopeCondition(principal);
    const users = await this.em.execute<UserSummary[]>(
      `select ${SUMMARY_COLUMNS} from users u where u.user_code = any(?::text[]) and u.status = 'active' and ${scope.sql}`,
      [pgArray(userCodes), ...scope.params],
    );
    // The commands of an import chunk look these users up by id next.
    rememberLookups(usersInScopeKind(principal), users.map((user) => [user.id, user]));
    return users;
  }
}

/** Active users in scope by user code or email; one query for a whole chunk (the licences import). */
@QueryHandler(FindUsersByCodesOrEmailsQuery)
export class FindUsersByCodesOrEmailsHandler implements IQueryHandler<FindUsersByCodesOrEmailsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}
  async execute({ principal, keys }: FindUsersByCodesOrEmailsQuery): Promise<Record<string, UserSummary>> {
    const wanted = [...new Set(keys.map((key) => key.normalize('NFC').trim()).filter(Boolean))];
    if (wanted.length === 0) return Object.create(null) as Record<string, UserSummary>;
    // Only a key with an @ can be an email (every stored one has it); a user code may have one too, so every key is tried as a code.
    const lowered = [...new Set(wanted.filter((key) => key.includes('@')).map((key) => key.toLowerCase()))];
    const scope = this.access.scopeCondition(principal);
    const users = await this.em.execute<UserSummary[]>(
      `select ${SUMMARY_COLUMNS} from users u
        where (u.user_code = any(?::text[]) or lower(u.email) = any(?::text[])) and u.status = 'active' and u.status <> 'deleted' and ${scope.sql}`,
      [pgArray(wanted), pgArray(lowered), ...scope.params],
    );
    rememberLookups(usersInScopeKind(principal), users.map((user) => [user.id, user]));
    const byCode = new Map(users.filter((user) => user.userCode).map((user) => [user.userCode!, user]));
    const byEmail = new Map(users.map((user) => [user.email.toLowerCase(), user]));
    // No prototype: a key `constructor` or `__proto__` must be a plain (absent) entry, not Object.prototype's.
    const found = Object.create(null) as Record<string, UserSummary>;
    for (const key of wanted) {
      const user = byCode.get(key) ?? byEmail.get(key.toLowerCase());
      if (user) found[key] = user;
    }
    return found;
  }
}

/** A lookup of users in a principal's scope depends on who asks. */
const usersInScopeKind = (principal: Principal) => `users-in-scope:${principal.userId}`;

/** Background work acts as the user who started it: their permissions and scope, as of now. */
@QueryHandler(GetPrincipalQuery)
export class GetPrincipalHandler implements IQueryHandler<GetPrincipalQuery> {
  constructor(private readonly authentication: AuthenticationService) {}
  execute({ userId, stillValid }: GetPrincipalQuery) {
    return this.authentication.loadPrincipal(userId, 'access-token', stillValid);
  }
}
