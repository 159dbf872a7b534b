import { describe, expect, it } from 'vitest';
import { Permissions } from '#libs/contracts/users/index.js';
import type { ExternalCertificateFacts } from '#libs/contracts/validation/index.js';
import { registrarFor, registrationOf } from './register-external-certificate.subscriber.js';

const facts: ExternalCertificateFacts = {
  externalCertificateId: 'ext-1',
  userId: 'learner-1',
  learnerName: 'Lena',
  learnerLanguage: 'nl',
  uploadedBy: 'learner-1',
  name: 'VCA',
  deliveredOn: '2024-03-01',
  expiresOn: null,
  definitionId: 'definition-1',
  credits: null,
  file: { storageKey: 'a'.repeat(64), fileName: 'vca.pdf', size: 1234 },
  submittedAt: '2024-03-02T10:00:00.000Z',
};

describe('registering an external certificate in the catalogue', () => {
  it('takes the definition, the dates of the task, source external, the stored PDF and the external id', () => {
    expect(registrationOf({ ...facts, expiresOn: '2030-01-01' })).toEqual({
      userId: 'learner-1',
      definitionId: 'definition-1',
      dateObtained: '2024-03-01',
      dateExpires: '2030-01-01',
      source: 'external',
      attachment: { kind: 'stored', storageKey: 'a'.repeat(64), fileName: 'vca.pdf' },
      externalCertificateId: 'ext-1',
    });
  });

  it('leaves a missing expiry to the definition (null: its default validity)', () => {
    expect(registrationOf(facts)?.dateExpires).toBeNull();
  });

  it('registers nothing without a definition', () => {
    expect(registrationOf({ ...facts, definitionId: null })).toBeUndefined();
  });

  it('registers as the person who decided, with scope over everyone and nothing else', () => {
    const principal = registrarFor('admin-1');
    expect(principal.userId).toBe('admin-1');
    expect(principal.permissions).toEqual([Permissions.ScopeAll]);
    expect(principal.credential).toBeUndefined();
  });
});
