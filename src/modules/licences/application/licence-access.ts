import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetUsersInScopeQuery, type Principal, type UserSummary } from '#libs/contracts/users/index.js';

/** Which users' licences a principal may see and change: the users in their scope (Users module's answer). */
@Injectable()
export class LicenceAccess {
  constructor(private readonly queries: QueryBus) {}

  /** The users of these ids that are in the principal's scope, by id. */
  async inScope(principal: Principal, userIds: string[]): Promise<Map<string, UserSummary>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return new Map();
    const users = await this.queries.execute(new GetUsersInScopeQuery(principal, ids));
    return new Map(users.map((user) => [user.id, user]));
  }

  async userInScope(principal: Principal, userId: string): Promise<UserSummary | undefined> {
    return (await this.inScope(principal, [userId])).get(userId);
  }
}
