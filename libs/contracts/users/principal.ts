import type { Language } from '#libs/i18n/i18n.js';

/** The authenticated caller, as resolved by the Users module from a bearer token. */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  language: Language;
  roles: string[];
  permissions: string[];
  /**
   * The email address is shown to be the user's (they set a password through a link mailed to it, and it has
   * not changed since). Endpoints that trust the address (a recipient's own credentials) require it. Absent: not verified.
   */
  emailVerified?: boolean;
  /** `stream-ticket`: a one-time ticket, accepted only by the Server-Sent Events routes it was issued for. */
  authenticatedWith: 'access-token' | 'api-token' | 'stream-ticket';
  /**
   * What the caller signed in with, for whatever outlives the request (a stream ticket, an open stream,
   * the queue dashboard's cookie) to check again: GetPrincipalQuery(userId, credential) answers only while
   * it still holds. Absent on principals made up for background work: such a principal opens nothing.
   */
  credential?: PrincipalCredential;
}

export interface PrincipalCredential {
  /** The user's token version when they signed in; a password change moves it on, ending all of these. */
  tokenVersion: number;
  /** The personal API token used, if any: revoking or expiring it ends what it opened. */
  apiTokenId?: string;
  /** The access token's own id (its `jti`), if one was used: signing out with it ends what it opened. */
  accessTokenId?: string;
}

export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.permissions.includes(permission);
}
