import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { CertificateCategory } from './certificate-category.js';
import { CertificateDefinition, formatAutoNumber, isAutoNumberOf } from './certificate-definition.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
};

describe('CertificateDefinition', () => {
  it('normalises the code to upper case and refuses codes with spaces or odd characters', () => {
    const definition = CertificateDefinition.define(' vca-basis ', { name: 'VCA Basis', categoryId: 'c1', validityMonths: 120, numberPrefix: 'VCA-' });
    expect(definition.code).toBe('VCA-BASIS');
    expect(codeOf(() => CertificateDefinition.define('VCA BASIS', { name: 'x', categoryId: 'c1' }))).toBe('CERTIFICATES.DEFINITION_CODE_INVALID');
    expect(codeOf(() => CertificateDefinition.define('-VCA', { name: 'x', categoryId: 'c1' }))).toBe('CERTIFICATES.DEFINITION_CODE_INVALID');
    expect(codeOf(() => CertificateDefinition.define('', { name: 'x', categoryId: 'c1' }))).toBe('CERTIFICATES.DEFINITION_CODE_INVALID');
  });

  it('needs a name and a sensible validity', () => {
    expect(codeOf(() => CertificateDefinition.define('BHV', { name: '  ', categoryId: 'c1' }))).toBe('CERTIFICATES.DEFINITION_NAME_REQUIRED');
    for (const months of [0, -1, 1.5, 1201]) {
      expect(codeOf(() => CertificateDefinition.define('BHV', { name: 'BHV', categoryId: 'c1', validityMonths: months }))).toBe('CERTIFICATES.VALIDITY_INVALID');
    }
    const definition = CertificateDefinition.define('BHV', { name: 'BHV', categoryId: 'c1', validityMonths: 12 });
    definition.change({ validityMonths: null });
    expect(definition.validityMonths).toBeNull();
    expect(codeOf(() => definition.change({ numberPrefix: 'A B' }))).toBe('CERTIFICATES.NUMBER_PREFIX_INVALID');
  });

  it('formats automatic numbers as prefix + six digits and recognises them', () => {
    const terms = CertificateDefinition.define('VCA', { name: 'VCA', categoryId: 'c1', numberPrefix: 'VCA-' }).summary();
    expect(formatAutoNumber(terms, 42)).toBe('VCA-000042');
    expect(formatAutoNumber(terms, 1_234_567)).toBe('VCA-1234567');
    expect(isAutoNumberOf(terms, 'VCA-000042')).toBe(true);
    expect(isAutoNumberOf(terms, 'VCA-42')).toBe(false);
    expect(isAutoNumberOf(terms, 'BHV-000042')).toBe(false);
    expect(isAutoNumberOf(terms, 'VCA-000000')).toBe(false);
    const none = CertificateDefinition.define('EHBO', { name: 'EHBO', categoryId: 'c1' }).summary();
    expect(codeOf(() => formatAutoNumber(none, 1))).toBe('CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED');
  });
});

describe('CertificateCategory', () => {
  it('trims the name and refuses an empty one', () => {
    expect(CertificateCategory.create('  First   aid ').name).toBe('First aid');
    expect(codeOf(() => CertificateCategory.create('   '))).toBe('CERTIFICATES.CATEGORY_NAME_REQUIRED');
  });
});
