import type { Language } from '../../i18n/i18n.js';

/** The authenticated caller, as resolved by the Users module from a bearer token. */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  language: Language;
  roles: string[];
  permissions: string[];
  authenticatedWith: 'access-token' | 'api-token';
}

export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.permissions.includes(permission);
}
