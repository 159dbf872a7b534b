import { describe, expect, it } from 'vitest';
import type { DomainError } from '#libs/errors/domain-error.js';
import { ProfileFieldDefinition } from './profile-field-definition.js';

const field = (type: 'text' | 'number' | 'date' | 'boolean' | 'select', options?: string[]) =>
  ProfileFieldDefinition.define({ key: 'f', label: 'F', type, options });

describe('ProfileFieldDefinition', () => {
  it('coerces values by type', () => {
    expect(field('number').coerce('1,25')).toBe(1.25);
    expect(field('boolean').coerce('Ja')).toBe(true);
    expect(field('boolean').coerce('no')).toBe(false);
    expect(field('date').coerce('2026-02-28')).toBe('2026-02-28');
    expect(field('text').coerce(12)).toBe('12');
    expect(field('select', ['Red', 'Blue']).coerce(' blue ')).toBe('Blue');
    expect(field('text').coerce('')).toBeNull();
  });

  it('explains values that do not fit', () => {
    expect(() => field('number').coerce('twelve')).toThrow(expect.objectContaining({ code: 'USERS.PROFILE_VALUE_INVALID' }));
    expect(() => field('date').coerce('28-02-2026')).toThrow(expect.objectContaining({ code: 'USERS.PROFILE_VALUE_INVALID' }));
    try {
      field('select', ['Red', 'Blue']).coerce('Green');
    } catch (error) {
      expect((error as DomainError).params).toMatchObject({ options: 'Red, Blue', value: 'Green' });
    }
  });

  it('needs options for select fields and a well-formed key', () => {
    expect(() => field('select', [])).toThrow(expect.objectContaining({ code: 'USERS.PROFILE_FIELD_OPTIONS_REQUIRED' }));
    expect(() => ProfileFieldDefinition.define({ key: 'Bad Key', label: 'x', type: 'text' })).toThrow(
      expect.objectContaining({ code: 'USERS.PROFILE_FIELD_KEY_INVALID' }),
    );
  });

  it('refuses to open a date field for import, or to turn an open field into a date', () => {
    const notImportable = expect.objectContaining({ code: 'USERS.PROFILE_FIELD_NOT_IMPORTABLE' });
    expect(() => ProfileFieldDefinition.define({ key: 'birthday', label: 'Birthday', type: 'date', openForImport: true })).toThrow(notImportable);
    const open = ProfileFieldDefinition.define({ key: 'department', label: 'Department', type: 'text', openForImport: true });
    expect(() => open.change({ type: 'date' })).toThrow(notImportable);
    const closed = ProfileFieldDefinition.define({ key: 'hired', label: 'Hired', type: 'date' });
    expect(() => closed.change({ openForImport: true })).toThrow(notImportable);
    closed.change({ label: 'Hired on' });
    expect(closed.openForImport).toBe(false);
  });
});
