import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { ProfileFieldDefinition } from './profile-field-definition.js';
import { User } from './user.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('User', () => {
  it('normalises email to lower case and user codes to NFC without surrounding spaces', () => {
    const decomposed = 'Jose\u0301-1';
    const user = User.create({ email: '  Anna@Example.COM ', firstName: 'Anna', lastName: 'B', userCode: ` ${decomposed} ` });
    expect(user.email).toBe('anna@example.com');
    expect(user.userCode).toBe('Jos\u00e9-1');
    expect(user.language).toBe('en');
    expect(user.status).toBe('active');
  });

  it('lets only the owner change the email of an account that has a password; anyone allowed to manage it before', () => {
    const user = User.create({ email: 'anna@example.com', firstName: 'Anna', lastName: 'B' });
    expect(user.mayChangeEmailBy('some-admin')).toBe(true);
    user.setPasswordHash('hash');
    expect(user.mayChangeEmailBy('some-admin')).toBe(false);
    expect(user.mayChangeEmailBy(user.id)).toBe(true);
  });

  it('rejects invalid emails, codes with spaces, missing names and unsupported languages', () => {
    expect(codeOf(() => User.create({ email: 'anna', firstName: 'A', lastName: 'B' }))).toBe('USERS.EMAIL_INVALID');
    expect(codeOf(() => User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B', userCode: 'A 1' }))).toBe('USERS.USER_CODE_INVALID');
    expect(codeOf(() => User.create({ email: 'a@b.nl', firstName: ' ', lastName: 'B' }))).toBe('USERS.NAME_REQUIRED');
    expect(codeOf(() => User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B', language: 'fr' }))).toBe('USERS.LANGUAGE_UNSUPPORTED');
  });

  it('treats an empty user code as no code', () => {
    expect(User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B', userCode: '   ' }).userCode).toBeNull();
  });

  it('sets profile values through their definitions and removes cleared ones', () => {
    const user = User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B' });
    const definitions = new Map([
      ['contract', ProfileFieldDefinition.define({ key: 'contract', label: 'Contract', type: 'select', options: ['Permanent', 'Temporary'] })],
      ['hours', ProfileFieldDefinition.define({ key: 'hours', label: 'Hours', type: 'number' })],
    ]);
    user.setProfileValues({ contract: 'temporary', hours: '32,5' }, definitions);
    expect(user.profile).toEqual({ contract: 'Temporary', hours: 32.5 });
    user.setProfileValues({ hours: '' }, definitions);
    expect(user.profile).toEqual({ contract: 'Temporary' });
    expect(codeOf(() => user.setProfileValues({ shoe_size: 44 }, definitions))).toBe('USERS.PROFILE_FIELD_UNKNOWN');
  });

  it('cannot sign in once deleted', () => {
    const user = User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B' });
    user.setPasswordHash('$argon2id$...');
    user.delete();
    expect(user.isActive()).toBe(false);
    expect(user.passwordHash).toBeNull();
  });

  it('ends every earlier session when the password changes (the token version moves on)', () => {
    const user = User.create({ email: 'a@b.nl', firstName: 'A', lastName: 'B' });
    expect(user.tokenVersion).toBe(0);
    user.changePassword('$argon2id$new');
    expect(user.passwordHash).toBe('$argon2id$new');
    expect(user.tokenVersion).toBe(1);
    user.delete();
    expect(user.tokenVersion).toBe(2);
  });
});

describe('User email verification', () => {
  it('starts unverified, is verified by verifyEmail, and any change of address clears it (the same address keeps it)', () => {
    const user = User.create({ email: 'nina@example.com', firstName: 'Nina', lastName: 'Nieuw' });
    expect(user.emailVerifiedAt).toBeNull();
    const at = new Date('2026-11-30T12:00:00Z');
    user.verifyEmail(at);
    user.change({ email: ' Nina@Example.com ', firstName: 'Nina' });
    expect(user.emailVerifiedAt).toEqual(at);
    user.change({ email: 'someone.else@example.com' });
    expect(user.emailVerifiedAt).toBeNull();
  });
});
