import { describe, expect, it } from 'vitest';
import { changedTypeFields, checkedTypeFields, licenceTypeCode, typeColumnsToWrite } from './licence-type.js';

describe('licence type', () => {
  it('stores codes upper case and refuses others', () => {
    expect(licenceTypeCode(' rn-ca ')).toBe('RN-CA');
    expect(() => licenceTypeCode('has space')).toThrow(expect.objectContaining({ code: 'LICENCES.TYPE_CODE_INVALID' }));
    expect(() => licenceTypeCode('-x')).toThrow(expect.objectContaining({ code: 'LICENCES.TYPE_CODE_INVALID' }));
    expect(() => licenceTypeCode('')).toThrow(expect.objectContaining({ code: 'LICENCES.TYPE_CODE_INVALID' }));
  });
  it('needs a name, a validity in whole months from 1 to 1200 or none', () => {
    expect(checkedTypeFields({ name: ' Nurse ', issuingBody: ' ', numberRequired: true, defaultValidityMonths: 24 })).toEqual({
      name: 'Nurse',
      issuingBody: null,
      numberRequired: true,
      defaultValidityMonths: 24,
    });
    expect(() => checkedTypeFields({ name: '', issuingBody: null, numberRequired: false, defaultValidityMonths: null })).toThrow(
      expect.objectContaining({ code: 'LICENCES.TYPE_NAME_REQUIRED' }),
    );
    for (const months of [0, 1.5, 1201]) {
      expect(() => checkedTypeFields({ name: 'x', issuingBody: null, numberRequired: false, defaultValidityMonths: months })).toThrow(
        expect.objectContaining({ code: 'LICENCES.VALIDITY_INVALID' }),
      );
    }
  });
  it('changes only what is given; null clears', () => {
    const current = { name: 'A', issuingBody: 'Board', numberRequired: true, defaultValidityMonths: 12 };
    expect(changedTypeFields(current, { name: 'B' })).toEqual({ ...current, name: 'B' });
    expect(changedTypeFields(current, { issuingBody: null, defaultValidityMonths: null })).toEqual({ ...current, issuingBody: null, defaultValidityMonths: null });
  });
  it('writes only the columns a change gives: a PATCH never writes the status back, a retire writes nothing else', () => {
    const current = { name: 'Nurse', issuingBody: null, numberRequired: true, defaultValidityMonths: 24 };
    expect(typeColumnsToWrite(current, { name: ' Nurse (CA) ' })).toEqual({ name: 'Nurse (CA)' });
    expect(typeColumnsToWrite(current, { status: 'retired' })).toEqual({ status: 'retired' });
    expect(typeColumnsToWrite(current, { defaultValidityMonths: null, issuingBody: 'Board' })).toEqual({ default_validity_months: null, issuing_body: 'Board' });
    expect(() => typeColumnsToWrite(current, { name: ' ' })).toThrow(expect.objectContaining({ code: 'LICENCES.TYPE_NAME_REQUIRED' }));
  });
  it('refuses control characters in the name and issuing body', () => {
    const fields = { name: 'Nurse', issuingBody: 'Board', numberRequired: false, defaultValidityMonths: null };
    expect(() => checkedTypeFields({ ...fields, name: 'Nu\u0000rse' })).toThrow(expect.objectContaining({ code: 'LICENCES.CONTROL_CHARACTERS', params: { field: 'name' } }));
    expect(() => checkedTypeFields({ ...fields, issuingBody: 'Bo\tard' })).toThrow(expect.objectContaining({ code: 'LICENCES.CONTROL_CHARACTERS', params: { field: 'issuingBody' } }));
  });
});
