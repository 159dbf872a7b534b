import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import type { DefinitionTerms } from './certificate-definition.js';
import { ObtainedCertificate, type RegistrationDetails } from './obtained-certificate.js';

const vca: DefinitionTerms = { id: 'def-vca', code: 'VCA-BASIS', validityMonths: 120, numberPrefix: 'VCA-' };
const language: DefinitionTerms = { id: 'def-nt2', code: 'NT2', validityMonths: null, numberPrefix: null };
const today = '2026-11-22';
const base: RegistrationDetails = { userId: 'user-1', dateObtained: '2024-01-31', source: 'manual', registeredBy: 'admin-1' };

const failure = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a domain error');
};

describe('ObtainedCertificate.register', () => {
  it('keeps the external certificate it comes from, and none otherwise', () => {
    expect(ObtainedCertificate.register(vca, { ...base, source: 'external', externalCertificateId: 'ext-1' }, today).externalCertificateId).toBe('ext-1');
    expect(ObtainedCertificate.register(vca, base, today).externalCertificateId).toBeNull();
  });

  it('computes the expiry from the definition validity when none is given', () => {
    expect(ObtainedCertificate.register(vca, base, today).dateExpires).toBe('2034-01-31');
    expect(ObtainedCertificate.register({ ...vca, validityMonths: 1 }, base, today).dateExpires).toBe('2024-02-29');
    expect(ObtainedCertificate.register(language, base, today).dateExpires).toBeNull();
    expect(ObtainedCertificate.register(vca, { ...base, dateExpires: '' }, today).dateExpires).toBe('2034-01-31');
  });

  it('keeps an explicit expiry, which may not lie before the date obtained', () => {
    expect(ObtainedCertificate.register(language, { ...base, dateExpires: '2025-06-30' }, today).dateExpires).toBe('2025-06-30');
    expect(ObtainedCertificate.register(vca, { ...base, dateExpires: '2024-01-31' }, today).dateExpires).toBe('2024-01-31');
    const error = failure(() => ObtainedCertificate.register(vca, { ...base, dateExpires: '2024-01-30' }, today));
    expect(error.code).toBe('CERTIFICATES.EXPIRY_BEFORE_OBTAINED');
    expect(error.kind).toBe('validation');
  });

  it('refuses invalid dates and dates obtained in the future', () => {
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, dateObtained: '2024-02-30' }, today)).code).toBe('CERTIFICATES.DATE_INVALID');
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, dateExpires: '31-12-2030' }, today)).params.field).toBe('dateExpires');
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, dateObtained: '2026-11-23' }, today)).code).toBe('CERTIFICATES.OBTAINED_IN_FUTURE');
    expect(ObtainedCertificate.register(vca, { ...base, dateObtained: today }, today).dateObtained).toBe(today);
  });

  it('refuses an automatic number together with a given number', () => {
    const error = failure(() => ObtainedCertificate.register(vca, { ...base, autoNumber: true, number: 'X-1' }, today));
    expect(error.code).toBe('CERTIFICATES.AUTO_NUMBER_WITH_NUMBER');
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, allocatedNumber: 'VCA-000001', number: 'X-1' }, today)).code).toBe(
      'CERTIFICATES.AUTO_NUMBER_WITH_NUMBER',
    );
    // A blank number is no number.
    expect(ObtainedCertificate.register(vca, { ...base, autoNumber: true, number: '  ' }, today).awaitsAutoNumber()).toBe(true);
  });

  it('refuses automatic numbers for a definition without numbering', () => {
    expect(failure(() => ObtainedCertificate.register(language, { ...base, autoNumber: true }, today)).code).toBe('CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED');
  });

  it('waits for an automatic number and accepts only one of the definition sequence, once', () => {
    const certificate = ObtainedCertificate.register(vca, { ...base, autoNumber: true }, today);
    expect(certificate.autoNumbered).toBe(true);
    expect(certificate.number).toBeNull();
    expect(failure(() => certificate.assignAutoNumber(vca, 'BHV-000001')).code).toBe('CERTIFICATES.ALLOCATED_NUMBER_INVALID');
    certificate.assignAutoNumber(vca, 'VCA-000007');
    expect(certificate.number).toBe('VCA-000007');
    expect(certificate.awaitsAutoNumber()).toBe(false);
    expect(() => certificate.assignAutoNumber(vca, 'VCA-000008')).toThrow();

    const manual = ObtainedCertificate.register(vca, { ...base, number: ' EXT-99 ' }, today);
    expect(manual).toMatchObject({ number: 'EXT-99', autoNumbered: false });
    expect(() => manual.assignAutoNumber(vca, 'VCA-000009')).toThrow();
  });

  it('takes a number allocated in advance when it belongs to the definition', () => {
    const certificate = ObtainedCertificate.register(vca, { ...base, allocatedNumber: 'VCA-000123' }, today);
    expect(certificate).toMatchObject({ number: 'VCA-000123', autoNumbered: true });
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, allocatedNumber: 'VCA-12' }, today)).code).toBe('CERTIFICATES.ALLOCATED_NUMBER_INVALID');
  });

  it('refuses unknown sources and unreasonable numbers', () => {
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, source: 'fax' as never }, today)).code).toBe('CERTIFICATES.SOURCE_INVALID');
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, number: 'x'.repeat(101) }, today)).code).toBe('CERTIFICATES.NUMBER_INVALID');
    expect(failure(() => ObtainedCertificate.register(vca, { ...base, number: 'A\u0000B' }, today)).code).toBe('CERTIFICATES.NUMBER_INVALID');
  });
});

describe('ObtainedCertificate.attach', () => {
  const certificate = ObtainedCertificate.register(vca, base, today);
  const key = 'a'.repeat(64);

  it('keeps PDF, PNG and JPEG files under their own name without directories', () => {
    const attachment = certificate.attach({ fileName: 'C:\\scans\\diploma.pdf', mediaType: 'application/pdf', size: 10, storageKey: key });
    expect(attachment).toMatchObject({ certificateId: certificate.id, originalFileName: 'diploma.pdf', mediaType: 'application/pdf', size: 10 });
    expect(certificate.attach({ fileName: '../../etc/passwd\u0007', mediaType: 'image/png', size: 1, storageKey: key }).originalFileName).toBe('passwd');
    expect(certificate.attach({ fileName: '', mediaType: 'image/jpeg', size: 1, storageKey: key }).originalFileName).toBe('attachment');
    const long = certificate.attach({ fileName: `${'n'.repeat(300)}.pdf`, mediaType: 'application/pdf', size: 1, storageKey: key }).originalFileName;
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
  });

  it('refuses any other type with 415 semantics, whatever the file is called', () => {
    const error = failure(() => certificate.attach({ fileName: 'diploma.pdf', mediaType: 'application/zip', size: 10, storageKey: key }));
    expect(error.code).toBe('CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED');
    expect(error.kind).toBe('unsupported_media_type');
  });
});
