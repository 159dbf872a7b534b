import type { Language } from '../../i18n/i18n.js';

/** The authenticated caller, as resolved by the Users module from a bearer token. */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  language: Language;
  roles: string[];
  permissions: string[];
  /** `stream-ticket`: a one-time ticket, accepted only by the Server-Sent Events routes it was issued for. */
  authenticatedWith: 'access-token' | 'api-token' | 'stream-ticket';
  /** The account's token version the credential was checked against (a password change raises it). */
  tokenVersion?: number;
}

export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.permissions.includes(permission);
}
