import { randomUUID } from 'node:crypto';
import { invalid } from '#libs/errors/domain-error.js';
import { isLanguage, SUPPORTED_LANGUAGES, type Language } from '#libs/i18n/i18n.js';
import type { ProfileFieldDefinition, ProfileValue } from './profile-field-definition.js';

export type UserStatus = 'active' | 'deleted';
export const MIN_PASSWORD_LENGTH = 10;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USER_CODE = /^[^\s\p{Cc}]{1,64}$/u;

export interface UserDetails {
  userCode?: string | null;
  email: string;
  firstName: string;
  lastName: string;
  language?: string;
}

export class User {
  id: string;
  userCode: string | null;
  email: string;
  firstName: string;
  lastName: string;
  language: Language;
  status: UserStatus;
  passwordHash: string | null;
  /** Access tokens carry it; a password change increments it, so every earlier session ends. */
  tokenVersion: number;
  /** When the current email address was shown to be the user's (a password set through a link mailed to it); null after any change of address. */
  emailVerifiedAt: Date | null;
  profile: Record<string, ProfileValue>;
  createdAt: Date;
  updatedAt: Date;

  static create(details: UserDetails): User {
    const user = new User();
    user.id = randomUUID();
    user.status = 'active';
    user.passwordHash = null;
    user.tokenVersion = 0;
    user.emailVerifiedAt = null;
    user.profile = {};
    user.createdAt = new Date();
    user.language = 'en';
    user.userCode = null;
    user.change(details);
    return user;
  }

  change(details: Partial<UserDetails>): void {
    if (details.email !== undefined) {
      const email = User.normaliseEmail(details.email);
      // A new address is not verified until a link mailed to it is used.
      if (email !== this.email) this.emailVerifiedAt = null;
      this.email = email;
    }
    if (details.userCode !== undefined) this.userCode = User.normaliseUserCode(details.userCode);
    if (details.firstName !== undefined) this.firstName = details.firstName.trim();
    if (details.lastName !== undefined) this.lastName = details.lastName.trim();
    if (!this.firstName || !this.lastName) throw invalid('USERS.NAME_REQUIRED');
    if (details.language !== undefined) {
      const language = details.language.trim().toLowerCase();
      if (!isLanguage(language)) throw invalid('USERS.LANGUAGE_UNSUPPORTED', { language, supported: SUPPORTED_LANGUAGES.join(', ') });
      this.language = language;
    }
    this.updatedAt = new Date();
  }

  setProfileValues(values: Record<string, unknown>, definitions: Map<string, ProfileFieldDefinition>): void {
    const profile = { ...this.profile };
    for (const [key, value] of Object.entries(values)) {
      const definition = definitions.get(key);
      if (!definition) throw invalid('USERS.PROFILE_FIELD_UNKNOWN', { key });
      const coerced = definition.coerce(value);
      if (coerced === null) delete profile[key];
      else profile[key] = coerced;
    }
    this.profile = profile;
    this.updatedAt = new Date();
  }

  setPasswordHash(hash: string): void {
    this.passwordHash = hash;
    this.updatedAt = new Date();
  }

  /** The user's own password change: the new hash, and every session signed in before it ends. */
  changePassword(hash: string): void {
    if (!this.isActive()) throw invalid('USERS.USER_NOT_FOUND');
    this.setPasswordHash(hash);
    this.tokenVersion += 1;
  }

  /** The user used a link mailed to their current address: it is theirs. */
  verifyEmail(at: Date = new Date()): void {
    this.emailVerifiedAt = at;
  }

  /** Soft delete: the record stays for history (certificates refer to it); it can no longer sign in. */
  delete(): void {
    this.status = 'deleted';
    this.passwordHash = null;
    this.tokenVersion += 1;
    this.updatedAt = new Date();
  }

  /**
   * Whether `actorId` may give this account another email address. Once the account has a password, only
   * its owner may: the address is where reset links go, so an admin who changed it could ask for a reset
   * and sign in as the user. Before that (an account still waiting for its welcome link), an admin fixes a
   * wrong address; the open links are ended with the change.
   */
  mayChangeEmailBy(actorId: string): boolean {
    return actorId === this.id || this.passwordHash === null;
  }

  isActive(): boolean {
    return this.status === 'active';
  }

  static normaliseEmail(email: string): string {
    const trimmed = email.trim().toLowerCase();
    if (!EMAIL.test(trimmed) || trimmed.length > 254) throw invalid('USERS.EMAIL_INVALID', { email });
    return trimmed;
  }

  static normaliseUserCode(code: string | null): string | null {
    if (code === null) return null;
    const trimmed = code.normalize('NFC').trim();
    if (trimmed === '') return null;
    if (!USER_CODE.test(trimmed)) throw invalid('USERS.USER_CODE_INVALID', { userCode: code });
    return trimmed;
  }
}
