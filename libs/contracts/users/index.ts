import { Query } from '@nestjs/cqrs';
import { defineEvent } from '../integration-event.js';
import type { Principal, PrincipalCredential } from './principal.js';

export * from './permissions.js';
export * from './principal.js';

/**
 * Which users a principal may see and act on. `all` for platform admins; otherwise an explicit list:
 * the principal, members of the groups (and subgroups) they administer, and their managees.
 */
export type UserScope = { kind: 'all' } | { kind: 'limited'; userIds: string[] };

export class ResolveUserScopeQuery extends Query<UserScope> {
  constructor(readonly principal: Principal) {
    super();
  }
}

export interface UserSummary {
  id: string;
  userCode: string | null;
  email: string;
  firstName: string;
  lastName: string;
  language: string;
  status: 'active' | 'deleted';
}

/** Users by id, restricted to the principal's scope: ids outside it are simply absent from the result. */
export class GetUsersInScopeQuery extends Query<UserSummary[]> {
  constructor(
    readonly principal: Principal,
    readonly userIds: string[],
  ) {
    super();
  }
}

/** Users by user code (the linking code used in import files), restricted to the principal's scope. */
export class FindUsersByCodesQuery extends Query<UserSummary[]> {
  constructor(
    readonly principal: Principal,
    readonly userCodes: string[],
  ) {
    super();
  }
}

export interface UserCreatedPayload {
  userId: string;
  userCode: string | null;
  email: string;
  firstName: string;
  lastName: string;
  language: string;
  createdBy: string | null;
  sendWelcomeMail: boolean;
}

export class UserCreated extends defineEvent<UserCreatedPayload>('users.user-created.v1') {}

export interface PasswordChangedPayload {
  userId: string;
  email: string;
  firstName: string;
  language: string;
  changedAt: string;
  /** Personal API tokens revoked together with the sessions. */
  apiTokensRevoked: number;
}

/** A user changed their password: every session and API token of theirs has ended; tell them. */
export class PasswordChanged extends defineEvent<PasswordChangedPayload>('users.password-changed.v1') {}

/**
 * The principal of a user (roles, permissions, language) as if they signed in now; undefined when inactive.
 * With `stillValid` (a principal's credential), also undefined once that credential has ended: the
 * password was changed since (token version) or the API token was revoked or expired.
 */
export class GetPrincipalQuery extends Query<Principal | undefined> {
  constructor(
    readonly userId: string,
    readonly stillValid?: PrincipalCredential,
  ) {
    super();
  }
}
