import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { checkCredits, checkDate, ExternalCertificate, type UploadInput } from './external-certificate.js';

const NOW = new Date('2026-11-30T12:00:00Z');

const input = (over: Partial<UploadInput> = {}): UploadInput => ({
  id: 'c-1',
  userId: 'learner',
  uploadedBy: 'learner',
  name: '  First aid ',
  deliveredOn: '2026-01-15',
  expiresOn: '2028-01-15',
  definitionId: null,
  credits: undefined,
  creditsEnabled: false,
  file: { storageKey: 'abc', fileName: 'cert.pdf', size: 10 },
  review: { reviewerId: 'manager', tier: 'manager', fallbackReviewerId: 'admin' },
  now: NOW,
  ...over,
});

const codeOf = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.code}`;
    throw error;
  }
  return 'no error';
};

describe('ExternalCertificate.upload', () => {
  it('is pending_review with its reviewer and fallback when validation is required', () => {
    const certificate = ExternalCertificate.upload(input());
    const state = certificate.snapshot();
    expect(state).toMatchObject({ state: 'pending_review', name: 'First aid', reviewerId: 'manager', reviewerTier: 'manager', fallbackReviewerId: 'admin', version: 1 });
    expect(certificate.pullChanges()).toEqual([{ kind: 'submitted', actorId: 'learner', assignment: { reviewerId: 'manager', tier: 'manager', fallbackReviewerId: 'admin' } }]);
    expect(certificate.pullChanges()).toEqual([]);
  });

  it('is recorded without a reviewer when validation is not required', () => {
    const certificate = ExternalCertificate.upload(input({ review: null }));
    expect(certificate.snapshot()).toMatchObject({ state: 'recorded', reviewerId: null, fallbackReviewerId: null });
    expect(certificate.pullChanges()).toEqual([{ kind: 'recorded', actorId: 'learner' }]);
  });

  it('checks the name: 1 to 200 characters', () => {
    expect(codeOf(() => ExternalCertificate.upload(input({ name: '   ' })))).toBe('validation:VALIDATION.NAME_INVALID');
    expect(codeOf(() => ExternalCertificate.upload(input({ name: 'x'.repeat(201) })))).toBe('validation:VALIDATION.NAME_INVALID');
    expect(ExternalCertificate.upload(input({ name: 'x'.repeat(200) })).snapshot().name).toHaveLength(200);
  });

  it('checks the dates: real dates, expiry not before delivery, delivery not in the future', () => {
    expect(codeOf(() => ExternalCertificate.upload(input({ deliveredOn: '2026-02-30' })))).toBe('validation:VALIDATION.DATE_INVALID');
    expect(codeOf(() => ExternalCertificate.upload(input({ deliveredOn: '15-01-2026' })))).toBe('validation:VALIDATION.DATE_INVALID');
    expect(codeOf(() => ExternalCertificate.upload(input({ expiresOn: '2025-12-31' })))).toBe('validation:VALIDATION.EXPIRY_BEFORE_DELIVERY');
    expect(codeOf(() => ExternalCertificate.upload(input({ deliveredOn: '2026-12-05', expiresOn: null })))).toBe('validation:VALIDATION.DELIVERED_IN_FUTURE');
    expect(ExternalCertificate.upload(input({ deliveredOn: '2026-11-30', expiresOn: '2026-11-30' })).snapshot().expiresOn).toBe('2026-11-30');
    expect(ExternalCertificate.upload(input({ expiresOn: '' })).snapshot().expiresOn).toBeNull();
  });

  it('accepts credits only while the credits setting is on, >= 0 with at most 2 decimals', () => {
    expect(codeOf(() => ExternalCertificate.upload(input({ credits: '2' })))).toBe('validation:VALIDATION.CREDITS_OFF');
    expect(ExternalCertificate.upload(input({ credits: '2.5', creditsEnabled: true })).snapshot().credits).toBe(2.5);
    expect(codeOf(() => checkCredits('-1', true))).toBe('validation:VALIDATION.CREDITS_INVALID');
    expect(codeOf(() => checkCredits('1.234', true))).toBe('validation:VALIDATION.CREDITS_INVALID');
    expect(codeOf(() => checkCredits('abc', true))).toBe('validation:VALIDATION.CREDITS_INVALID');
    expect(codeOf(() => checkCredits(1_000_000, true))).toBe('validation:VALIDATION.CREDITS_INVALID');
    expect(checkCredits(0, true)).toBe(0);
    expect(checkCredits('', false)).toBeNull();
  });

  it('never assigns the learner as their own reviewer, nor as fallback', () => {
    expect(codeOf(() => ExternalCertificate.upload(input({ review: { reviewerId: 'learner', tier: 'manager', fallbackReviewerId: null } })))).toBe(
      'forbidden:VALIDATION.OWN_CERTIFICATE',
    );
    expect(ExternalCertificate.upload(input({ review: { reviewerId: 'm', tier: 'manager', fallbackReviewerId: 'learner' } })).fallbackReviewerId).toBeNull();
  });

  it('checkDate refuses what is not a string', () => {
    expect(codeOf(() => checkDate(20260101, 'deliveredOn'))).toBe('validation:VALIDATION.DATE_INVALID');
  });
});

describe('ExternalCertificate review', () => {
  const pending = () => {
    const certificate = ExternalCertificate.upload(input());
    certificate.pullChanges();
    return certificate;
  };

  it('validates with edits and a comment', () => {
    const certificate = pending();
    certificate.validate('manager', { name: 'First aid (EHBO)', expiresOn: null, definitionId: 'd-1' }, ' fine ', NOW);
    expect(certificate.snapshot()).toMatchObject({ state: 'validated', name: 'First aid (EHBO)', expiresOn: null, definitionId: 'd-1', decidedBy: 'manager', comment: 'fine', version: 2 });
    expect(certificate.snapshot().decidedAt).toEqual(NOW);
    expect(certificate.pullChanges()).toEqual([
      {
        kind: 'validated',
        actorId: 'manager',
        comment: 'fine',
        changes: { name: { from: 'First aid', to: 'First aid (EHBO)' }, expiresOn: { from: '2028-01-15', to: null }, definitionId: { from: null, to: 'd-1' } },
      },
    ]);
  });

  it('refuses a rejection without a comment, and changes nothing', () => {
    const certificate = pending();
    expect(codeOf(() => certificate.reject('manager', '   ', NOW))).toBe('validation:VALIDATION.REJECTION_NEEDS_COMMENT');
    expect(codeOf(() => certificate.reject('manager', null, NOW))).toBe('validation:VALIDATION.REJECTION_NEEDS_COMMENT');
    expect(certificate.snapshot()).toMatchObject({ state: 'pending_review', version: 1, decidedAt: null });
    expect(certificate.pullChanges()).toEqual([]);
  });

  it('rejects with a comment', () => {
    const certificate = pending();
    certificate.reject('admin', 'Not readable', NOW);
    expect(certificate.snapshot()).toMatchObject({ state: 'rejected', comment: 'Not readable', decidedBy: 'admin' });
    expect(certificate.pullChanges()).toEqual([{ kind: 'rejected', actorId: 'admin', comment: 'Not readable' }]);
  });

  it('decides only once: a decided certificate answers ALREADY_DECIDED (conflict)', () => {
    const certificate = pending();
    certificate.validate('manager', {}, null, NOW);
    expect(codeOf(() => certificate.validate('manager', {}, null, NOW))).toBe('conflict:VALIDATION.ALREADY_DECIDED');
    expect(codeOf(() => certificate.reject('manager', 'no', NOW))).toBe('conflict:VALIDATION.ALREADY_DECIDED');
    expect(codeOf(() => certificate.edit('manager', { name: 'x' }, NOW))).toBe('conflict:VALIDATION.ALREADY_DECIDED');
    const recorded = ExternalCertificate.upload(input({ review: null }));
    expect(codeOf(() => recorded.validate('manager', {}, null, NOW))).toBe('conflict:VALIDATION.ALREADY_DECIDED');
  });

  it('never lets the learner decide or edit their own certificate', () => {
    const certificate = pending();
    expect(codeOf(() => certificate.validate('learner', {}, null, NOW))).toBe('forbidden:VALIDATION.OWN_CERTIFICATE');
    expect(codeOf(() => certificate.reject('learner', 'no', NOW))).toBe('forbidden:VALIDATION.OWN_CERTIFICATE');
    expect(codeOf(() => certificate.edit('learner', { name: 'x' }, NOW))).toBe('forbidden:VALIDATION.OWN_CERTIFICATE');
  });

  it('checks edits with the same rules, all or nothing', () => {
    const certificate = pending();
    expect(codeOf(() => certificate.edit('manager', { name: 'ok', expiresOn: '2020-01-01' }, NOW))).toBe('validation:VALIDATION.EXPIRY_BEFORE_DELIVERY');
    expect(certificate.snapshot().name).toBe('First aid');
    expect(certificate.edit('manager', { name: 'First aid' }, NOW)).toEqual({});
    expect(certificate.pullChanges()).toEqual([]);
    expect(certificate.edit('manager', { deliveredOn: '2026-02-01' }, NOW)).toEqual({ deliveredOn: { from: '2026-01-15', to: '2026-02-01' } });
    expect(certificate.snapshot().version).toBe(2);
    expect(certificate.pullChanges()).toHaveLength(1);
  });

  it('reassigns to another reviewer with a new fallback, and only when something changes', () => {
    const certificate = pending();
    expect(certificate.reassign({ reviewerId: 'manager', tier: 'manager', fallbackReviewerId: 'admin' }, 'reviewer-gone', null)).toBe(false);
    expect(certificate.reassign({ reviewerId: 'admin', tier: 'platform-admin', fallbackReviewerId: 'admin' }, 'reviewer-gone', null)).toBe(true);
    expect(certificate.snapshot()).toMatchObject({ reviewerId: 'admin', reviewerTier: 'platform-admin', fallbackReviewerId: null, version: 2 });
    expect(certificate.pullChanges()).toEqual([
      {
        kind: 'reviewer-changed',
        actorId: null,
        previousReviewerId: 'manager',
        previousFallbackReviewerId: 'admin',
        assignment: { reviewerId: 'admin', tier: 'platform-admin', fallbackReviewerId: null },
        reason: 'reviewer-gone',
      },
    ]);
    expect(codeOf(() => certificate.reassign({ reviewerId: 'learner', tier: 'manager', fallbackReviewerId: null }, 'reassigned', 'x'))).toBe(
      'forbidden:VALIDATION.OWN_CERTIFICATE',
    );
  });

  it('starts the reminder clock afresh for a new reviewer (assigned now, marks cleared), not for a new fallback alone', () => {
    const reminded = (certificate: ExternalCertificate) =>
      ExternalCertificate.restore({ ...certificate.snapshot(), remindedAt: NOW, escalatedAt: NOW });
    const certificate = reminded(pending());
    expect(certificate.snapshot().assignedAt).toEqual(NOW);
    const later = new Date(NOW.getTime() + 20 * 86_400_000);
    certificate.reassign({ reviewerId: 'manager', tier: 'manager', fallbackReviewerId: 'coach' }, 'reviewer-gone', null, later);
    expect(certificate.snapshot()).toMatchObject({ assignedAt: NOW, remindedAt: NOW, escalatedAt: NOW });
    certificate.reassign({ reviewerId: 'admin', tier: 'platform-admin', fallbackReviewerId: null }, 'reviewer-gone', null, later);
    expect(certificate.snapshot()).toMatchObject({ assignedAt: later, remindedAt: null, escalatedAt: null });
  });
});
