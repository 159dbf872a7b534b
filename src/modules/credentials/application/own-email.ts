import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden } from '#libs/errors/domain-error.js';

/**
 * The recipient endpoints trust the caller's email address (credentials are issued to an address): only
 * once it is shown to be theirs. Otherwise anyone could change their own address to another's and read or
 * correct the credentials issued to it. 403 CREDENTIALS.EMAIL_NOT_VERIFIED says how to verify it.
 */
export function assertOwnEmailVerified(principal: Principal): void {
  if (principal.emailVerified !== true) throw forbidden('CREDENTIALS.EMAIL_NOT_VERIFIED', { email: principal.email });
}
