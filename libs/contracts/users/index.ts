import { Command, Query } from '@nestjs/cqrs';
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

/**
 * Active users in the principal's scope named by user code or by email address (case-insensitive), one
 * query for a whole chunk of import rows. Each key is first compared with user codes, then with emails:
 * the result maps every key that names a user in scope to that user (absent: unknown or out of scope).
 */
export class FindUsersByCodesOrEmailsQuery extends Query<Record<string, UserSummary>> {
  constructor(
    readonly principal: Principal,
    readonly keys: string[],
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

export interface WelcomeMailRequestedPayload {
  userId: string;
  email: string;
  firstName: string;
  language: string;
  /** Who asked for it (the admin who created the user or ran the import); null for the system. */
  requestedBy: string | null;
  /** The import that asked for it, if any (one mail per user per import). */
  importId: string | null;
  /**
   * False when the account existed before (an import's welcome mail to a user it updated): the mail then
   * says the account details were updated, with a reset-length link. Absent or true: a new account.
   */
  accountCreated?: boolean;
}

/**
 * Send this user a welcome mail with a link to set their password (a new account, or an import whose
 * welcome-mail option includes them). The Notifications module delivers it exactly once per event and user.
 */
export class WelcomeMailRequested extends defineEvent<WelcomeMailRequestedPayload>('users.welcome-mail-requested.v1') {}

export interface PasswordResetRequestedPayload {
  userId: string;
  email: string;
  firstName: string;
  language: string;
  requestedAt: string;
}

/** Someone asked for a password reset for an existing, active account: mail it a reset link. */
export class PasswordResetRequested extends defineEvent<PasswordResetRequestedPayload>('users.password-reset-requested.v1') {}

export type PasswordLinkPurpose = 'welcome' | 'reset';

export interface PasswordLink {
  /** Absolute URL of the set-password page, carrying the one-time token. */
  url: string;
  expiresAt: string;
  /**
   * The address the link was issued for: the user's email at the moment of issue. A mail bound for another
   * address (an event recorded before the address changed) must not carry the link.
   */
  email?: string;
}

/**
 * Issues a one-time, expiring link for this user to set their password (stored hashed; single use; it and
 * every other open link of the user die when the password is set). Issuing a new link for a purpose ends
 * the user's earlier open links of that purpose. Undefined when the user is not active.
 * Sent by the Notifications module at the moment it renders the mail, so the plain token exists only in the mail.
 */
export class IssuePasswordLinkCommand extends Command<PasswordLink | undefined> {
  constructor(
    readonly userId: string,
    readonly purpose: PasswordLinkPurpose,
  ) {
    super();
  }
}

/**
 * IssuePasswordLinkCommand for many users at once, in one transaction (a batch of welcome or reset mails):
 * the links by user id; users that are not active are absent.
 */
export class IssuePasswordLinksCommand extends Command<Record<string, PasswordLink>> {
  constructor(
    readonly userIds: string[],
    readonly purpose: PasswordLinkPurpose,
  ) {
    super();
  }
}

/** How a possible reviewer of a learner's external certificates relates to the learner. */
export type ReviewerCandidateTier = 'manager' | 'coach' | 'group-admin' | 'platform-admin';

export interface ReviewerCandidate {
  userId: string;
  tier: ReviewerCandidateTier;
}

/**
 * Who may review a learner's external certificates, best first: active users other than the learner who
 * hold external-certificates.manage. With `managers`: the learner's managers, then coaches, then the
 * admins of the learner's groups (the nearest group first, then its ancestors), then platform admins
 * (scope.all). With `group-admins`: the group admins, then platform admins. Ties in a tier are ordered by
 * the oldest relation, then by id, so the answer is stable. Empty only when nobody at all may review.
 */
export class FindReviewersQuery extends Query<ReviewerCandidate[]> {
  constructor(
    readonly learnerId: string,
    readonly reviewerType: 'managers' | 'group-admins',
  ) {
    super();
  }
}

/** A user was deleted (moved to the Deleted tab): whatever they were assigned goes to someone else. */
export class UserDeleted extends defineEvent<{ userId: string }>('users.user-deleted.v1') {}

/** A user's roles changed: what they may do (review, for one) may have changed. */
export class UserRolesChanged extends defineEvent<{ userId: string }>('users.user-roles-changed.v1') {}

/** A manager or coach relation ended. */
export class ManagerRelationEnded extends defineEvent<{ managerId: string; manageeId: string; kind: 'manager' | 'coach' }>('users.manager-relation-ended.v1') {}

/** A user stopped administering a group. */
export class GroupAdminRemoved extends defineEvent<{ groupId: string; userId: string }>('users.group-admin-removed.v1') {}

/**
 * The user groups a principal administers: the groups they are admin of and all their subgroups; `all`
 * for platform admins (scope.all). What another module's resources owned by a user group (a credential
 * group) are scoped by.
 */
export class ListAdministeredGroupIdsQuery extends Query<string[] | 'all'> {
  constructor(readonly principal: Principal) {
    super();
  }
}
