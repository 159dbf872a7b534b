import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { addDays, assertNumberGiven, isIsoDate, jurisdiction, licenceDates, licenceKey, licenceNumber, licenceStatus } from './licence.js';

describe('licence status', () => {
  const today = '2026-11-30';
  it('is active without an expiry date', () => {
    expect(licenceStatus(null, today)).toBe('active');
  });
  it('is expired only once the expiry day has passed', () => {
    expect(licenceStatus('2026-11-29', today)).toBe('expired');
    expect(licenceStatus('2026-11-30', today)).toBe('expiring');
  });
  it('is expiring within N days (today + N included), active after', () => {
    expect(licenceStatus(addDays(today, 60), today)).toBe('expiring');
    expect(licenceStatus(addDays(today, 61), today)).toBe('active');
    expect(licenceStatus(addDays(today, 10), today, 7)).toBe('active');
    expect(licenceStatus(addDays(today, 7), today, 7)).toBe('expiring');
    expect(licenceStatus(today, today, 0)).toBe('expiring');
  });
});

describe('licence dates', () => {
  it('takes the expiry given', () => {
    expect(licenceDates('2026-01-15', '2027-01-15', 12)).toEqual({ issuedOn: '2026-01-15', expiresOn: '2027-01-15' });
  });
  it("derives the expiry from the type's default validity, or none", () => {
    expect(licenceDates('2026-01-31', null, 1)).toEqual({ issuedOn: '2026-01-31', expiresOn: '2026-02-28' });
    expect(licenceDates('2026-01-31', null, null)).toEqual({ issuedOn: '2026-01-31', expiresOn: null });
  });
  it('refuses an expiry before the issue date, accepts the same day', () => {
    expect(() => licenceDates('2026-01-15', '2026-01-14', null)).toThrow(expect.objectContaining({ code: 'LICENCES.EXPIRY_BEFORE_ISSUE' }));
    expect(licenceDates('2026-01-15', '2026-01-15', null).expiresOn).toBe('2026-01-15');
  });
  it('knows real ISO dates', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('30-11-2026')).toBe(false);
  });
});

describe('licence number, jurisdiction and identity', () => {
  it('trims numbers, empty is none, refuses control characters and long ones', () => {
    expect(licenceNumber('  AB-1 ')).toBe('AB-1');
    expect(licenceNumber('')).toBeNull();
    expect(licenceNumber(null)).toBeNull();
    expect(() => licenceNumber('A\u0007B')).toThrow(DomainError);
    expect(() => licenceNumber('x'.repeat(101))).toThrow(DomainError);
  });
  it('refuses a missing number when the type requires one', () => {
    expect(() => assertNumberGiven(true, null, 'RN')).toThrow(expect.objectContaining({ code: 'LICENCES.NUMBER_REQUIRED' }));
    expect(() => assertNumberGiven(false, null, 'RN')).not.toThrow();
  });
  it('refuses control characters (NUL, tab, line break, C1) in a number or jurisdiction, and echoes them harmlessly', () => {
    for (const bad of ['A\u0000B', 'A\tB', 'A\nB', 'A\u0085B']) {
      expect(() => licenceNumber(bad)).toThrow(expect.objectContaining({ code: 'LICENCES.NUMBER_INVALID' }));
      expect(() => jurisdiction(bad)).toThrow(expect.objectContaining({ code: 'LICENCES.CONTROL_CHARACTERS', params: { field: 'jurisdiction' } }));
    }
    expect(() => licenceNumber('A\u0000B')).toThrow(expect.objectContaining({ params: { number: 'A\ufffdB' } }));
  });

  it('keeps a jurisdiction of at most 100 characters', () => {
    expect(jurisdiction(' CA ')).toBe('CA');
    expect(jurisdiction('')).toBeNull();
    expect(() => jurisdiction('x'.repeat(101))).toThrow(DomainError);
  });
  it('keys the identity by the number key PostgreSQL lowered, without lower-casing it again', () => {
    // JavaScript lower-cases a final capital sigma to ς, PostgreSQL's lower() to σ: only the latter counts.
    expect(licenceKey('u', 't', 'οδοσ')).not.toBe(licenceKey('u', 't', 'ΟΔΟΣ'.toLowerCase()));
    expect(licenceKey('u', 't', '')).not.toBe(licenceKey('u', 't', 'x'));
  });
});
