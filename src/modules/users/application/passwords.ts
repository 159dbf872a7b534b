import { invalid } from '#libs/errors/domain-error.js';
import { MIN_PASSWORD_LENGTH } from '../domain/user.js';

export function assertPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid('USERS.PASSWORD_TOO_SHORT', { min: MIN_PASSWORD_LENGTH });
}
