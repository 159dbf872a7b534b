import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetUsersInScopeQuery, Permissions, type Principal, type UserSummary } from '#libs/contracts/users/index.js';

/**
 * Names and languages of the people on a certificate (learner, uploader, reviewers), for views and
 * event payloads. Asks the Users module as a principal that sees everyone: it is used only for people
 * the caller is already allowed to see on the certificate, never to decide access.
 */
const DIRECTORY: Principal = {
  userId: '00000000-0000-0000-0000-000000000000',
  email: 'validation@system',
  displayName: 'Validation',
  language: 'en',
  roles: [],
  permissions: [Permissions.ScopeAll],
  authenticatedWith: 'access-token',
};

export const displayName = (user: UserSummary | undefined) => (user ? `${user.firstName} ${user.lastName}`.trim() : null);

@Injectable()
export class People {
  constructor(private readonly queries: QueryBus) {}

  async byIds(ids: (string | null | undefined)[]): Promise<Map<string, UserSummary>> {
    const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
    if (wanted.length === 0) return new Map();
    const users = await this.queries.execute(new GetUsersInScopeQuery(DIRECTORY, wanted));
    return new Map(users.map((user) => [user.id, user]));
  }

  async one(id: string): Promise<UserSummary | undefined> {
    return (await this.byIds([id])).get(id);
  }
}
