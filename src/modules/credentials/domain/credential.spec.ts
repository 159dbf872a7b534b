import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { Credential, diffFields, isRenewal, statusOf, type CredentialInput } from './credential.js';
import type { AttributeDefinition } from './credential-group.js';

const TODAY = '2026-11-30';
const definitions: AttributeDefinition[] = [
  { key: 'hours', label: 'Hours', kind: 'number', required: true },
  { key: 'location', label: 'Location', kind: 'text', required: false },
];
const input: CredentialInput = {
  recipientName: 'Lena Jansen',
  recipientEmail: ' Lena@Example.com ',
  recipientId: 'L-1001',
  issuedOn: '2024-01-15',
  expiresOn: '2025-01-15',
  grade: 'A',
  attributes: { hours: '16' },
};
const issue = () => Credential.issue('c1', 'g1', input, definitions);

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'no error';
}

describe('status and renewal', () => {
  it('is expired once the expiry lies before today; the expiry day itself is still active; revoked wins', () => {
    expect(statusOf({ expiresOn: '2026-11-29', revokedAt: null }, TODAY)).toBe('expired');
    expect(statusOf({ expiresOn: TODAY, revokedAt: null }, TODAY)).toBe('active');
    expect(statusOf({ expiresOn: null, revokedAt: null }, TODAY)).toBe('active');
    expect(statusOf({ expiresOn: '2030-01-01', revokedAt: '2026-01-01T00:00:00Z' }, TODAY)).toBe('revoked');
  });

  it('a renewal is an expired credential given an expiry after today', () => {
    expect(isRenewal('2025-01-15', '2027-01-15', TODAY)).toBe(true);
    expect(isRenewal('2025-01-15', TODAY, TODAY)).toBe(false);
    expect(isRenewal('2025-01-15', '2026-06-01', TODAY)).toBe(false);
    expect(isRenewal(TODAY, '2027-01-15', TODAY)).toBe(false);
    expect(isRenewal('2027-01-01', '2028-01-15', TODAY)).toBe(false);
    expect(isRenewal(null, '2028-01-15', TODAY)).toBe(false);
    expect(isRenewal('2025-01-15', null, TODAY)).toBe(false);
  });
});

describe('Credential', () => {
  it('normalises on issue: email in lower case, attributes by kind', () => {
    const credential = issue();
    expect(credential.snapshot).toMatchObject({ recipientEmail: 'lena@example.com', attributes: { hours: 16 }, correctedFields: [], version: 1 });
    expect(credential.status(TODAY)).toBe('expired');
  });

  it('lists every field issue at once', () => {
    try {
      Credential.issue('c', 'g', { recipientName: '', recipientEmail: 'nope', issuedOn: '2024-02-30', attributes: { hours: 'x', colour: 'red' } }, definitions);
      expect.unreachable();
    } catch (error) {
      const details = (error as DomainError).details!.map((detail) => `${detail.field}:${detail.code}`);
      expect(details).toEqual([
        'recipientName:CREDENTIALS.RECIPIENT_NAME_INVALID',
        'recipientEmail:CREDENTIALS.RECIPIENT_EMAIL_INVALID',
        'issuedOn:CREDENTIALS.DATE_INVALID',
        'attributes.colour:CREDENTIALS.ATTRIBUTE_UNKNOWN',
        'attributes.hours:CREDENTIALS.ATTRIBUTE_NUMBER_INVALID',
      ]);
    }
  });

  it('refuses an expiry before the issue date and a missing required attribute', () => {
    expect(codeOf(() => Credential.issue('c', 'g', { ...input, expiresOn: '2023-01-01' }, definitions))).toBe('CREDENTIALS.EXPIRY_BEFORE_ISSUE');
    expect(codeOf(() => Credential.issue('c', 'g', { ...input, attributes: {} }, definitions))).toBe('CREDENTIALS.ATTRIBUTE_REQUIRED');
  });

  it('an update reports changes per field, detects a renewal and bumps the version', () => {
    const credential = issue();
    const update = credential.update({ expiresOn: '2027-01-15', attributes: { location: 'Utrecht' } }, definitions, TODAY);
    expect(update.changes).toEqual({
      expiresOn: { before: '2025-01-15', after: '2027-01-15' },
      'attributes.location': { before: null, after: 'Utrecht' },
    });
    expect(update.renewal).toEqual({ previousExpiresOn: '2025-01-15', expiresOn: '2027-01-15' });
    expect(credential.snapshot.version).toBe(2);
    expect(credential.status(TODAY)).toBe('active');
  });

  it('an update that changes nothing keeps the version', () => {
    const credential = issue();
    const update = credential.update({ recipientEmail: 'LENA@example.com', attributes: { hours: 16 } }, definitions, TODAY);
    expect(update.changes).toEqual({});
    expect(credential.snapshot.version).toBe(1);
  });

  it('a recipient correction sets the flag; an admin overwrite reverts it and says so; the same name keeps it', () => {
    const credential = issue();
    expect(credential.correctNameByRecipient('  Lena  Jansen-de Vries ')).toEqual({ recipientName: { before: 'Lena Jansen', after: 'Lena  Jansen-de Vries' } });
    expect(credential.snapshot.correctedFields).toEqual(['recipientName']);
    expect(credential.update({ recipientName: 'Lena  Jansen-de Vries', grade: 'B' }, definitions, TODAY).revertedCorrection).toBeNull();
    expect(credential.snapshot.correctedFields).toEqual(['recipientName']);
    const update = credential.update({ recipientName: 'L. Jansen' }, definitions, TODAY);
    expect(update.revertedCorrection).toEqual({ before: 'Lena  Jansen-de Vries', after: 'L. Jansen' });
    expect(credential.snapshot.correctedFields).toEqual([]);
  });

  it('plans without applying: issues, an email change and a reverted correction for an import to warn about', () => {
    const credential = issue();
    credential.correctNameByRecipient('Lena J.');
    const { issues, update } = credential.plan({ recipientName: 'Lena Jansen', recipientEmail: 'lena.jansen@example.com' }, definitions, TODAY);
    expect(issues).toEqual([]);
    expect(update.emailChange).toEqual({ before: 'lena@example.com', after: 'lena.jansen@example.com' });
    expect(update.revertedCorrection).toEqual({ before: 'Lena J.', after: 'Lena Jansen' });
    expect(credential.snapshot.recipientName).toBe('Lena J.');
    expect(credential.plan({ expiresOn: '15-01-2027' }, definitions, TODAY).issues.map((issue) => issue.code)).toEqual(['CREDENTIALS.DATE_INVALID']);
  });

  it('a revoked credential cannot change, be corrected or be revoked again', () => {
    const credential = issue();
    credential.revoke(new Date('2026-11-01T10:00:00Z'));
    expect(credential.status(TODAY)).toBe('revoked');
    expect(codeOf(() => credential.update({ grade: 'C' }, definitions, TODAY))).toBe('CREDENTIALS.CREDENTIAL_REVOKED');
    expect(codeOf(() => credential.correctNameByRecipient('X'))).toBe('CREDENTIALS.CREDENTIAL_REVOKED');
    expect(codeOf(() => credential.revoke(new Date()))).toBe('CREDENTIALS.CREDENTIAL_REVOKED');
  });

  it('a correction to an empty name is refused', () => {
    expect(codeOf(() => issue().correctNameByRecipient('   '))).toBe('CREDENTIALS.RECIPIENT_NAME_INVALID');
  });

  it('restore puts back the recorded fields and flags (undo)', () => {
    const credential = issue();
    credential.correctNameByRecipient('Lena J.');
    const before = credential.fields;
    credential.update({ recipientName: 'Other', expiresOn: '2027-01-01' }, definitions, TODAY);
    const changes = credential.restore(before, ['recipientName']);
    expect(changes).toEqual({ recipientName: { before: 'Other', after: 'Lena J.' }, expiresOn: { before: '2027-01-01', after: '2025-01-15' } });
    expect(credential.snapshot).toMatchObject({ recipientName: 'Lena J.', expiresOn: '2025-01-15', correctedFields: ['recipientName'] });
  });
});

describe('diffFields with an attribute named like an Object.prototype member', () => {
  it('sees no change where neither side has a value', () => {
    const fields = { recipientName: 'A', recipientEmail: 'a@example.com', recipientId: null, issuedOn: '2026-01-01', expiresOn: null, grade: null, attributes: {} };
    const changes = diffFields(fields, { ...fields, attributes: { hours: 2 } });
    expect(Object.keys(changes)).toEqual(['attributes.hours']);
    expect(diffFields({ ...fields, attributes: { constructor: 'x' } }, fields)).toEqual({ 'attributes.constructor': { before: 'x', after: null } });
  });
});
