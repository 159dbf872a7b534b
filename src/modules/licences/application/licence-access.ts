import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetUsersInScopeQuery, hasPermission, Permissions, type Principal, type UserSummary } from '#libs/contracts/users/index.js';
import { managesLicencesOf } from '../domain/licence-scope.js';

/**
 * Which users' licences a principal may see and change: the users in their scope (Users module's answer),
 * without the principal themselves unless they see everyone (managesLicencesOf).
 */
@Injectable()
export class LicenceAccess {
  constructor(private readonly queries: QueryBus) {}

  /** Whether the principal may manage this holder's licences, as far as self-management goes (scope apart). */
  static managesHolder(principal: Principal, holderId: string): boolean {
    return managesLicencesOf({ userId: principal.userId, seesEveryone: hasPermission(principal, Permissions.ScopeAll) }, holderId);
  }

  /** The users of these ids that are in the principal's scope and whose licences they may manage, by id. */
  async inScope(principal: Principal, userIds: string[]): Promise<Map<string, UserSummary>> {
    const ids = [...new Set(userIds)].filter((id) => LicenceAccess.managesHolder(principal, id));
    if (ids.length === 0) return new Map();
    const users = await this.queries.execute(new GetUsersInScopeQuery(principal, ids));
    return new Map(users.map((user) => [user.id, user]));
  }

  async userInScope(principal: Principal, userId: string): Promise<UserSummary | undefined> {
    return (await this.inScope(principal, [userId])).get(userId);
  }
}
