import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../types';
import { choose, clashes, confidenceLevel, initialMapping, mappingRows, openMandatory, toApiMapping } from './mapping';

const preview: ImportPreview = {
  headers: ['E-mailadres', 'Voornaam', 'Achternam', 'Opmerking', ''],
  sampleRows: [
    ['a@example.com', 'Ann', 'Ash', '', 'x'],
    ['b@example.com', 'Bob', 'Berg', 'hi', ''],
  ],
  suggestions: [
    { header: 'E-mailadres', index: 0, key: 'email', confidence: 1, reason: 'alias' },
    { header: 'Voornaam', index: 1, key: 'firstName', confidence: 1, reason: 'alias' },
    { header: 'Achternam', index: 2, key: 'lastName', confidence: 0.86, reason: 'fuzzy' },
    { header: 'Opmerking', index: 3, key: 'secret', confidence: 0.9, reason: 'fuzzy' },
    { header: '', index: 4, key: null, confidence: 0, reason: 'none' },
  ],
  columns: [
    { key: 'email', header: 'Email', mandatory: true, note: '', kind: 'text' },
    { key: 'firstName', header: 'First Name', mandatory: false, note: '', kind: 'text' },
    { key: 'lastName', header: 'Last Name', mandatory: false, note: '', kind: 'text' },
    { key: 'userCode', header: 'User Code', mandatory: true, note: '', kind: 'text' },
  ],
  options: [],
  unmappedMandatory: ['User Code'],
  warnings: [],
};

describe('the mapping screen model', () => {
  it('starts from the suggestions, leaving columns the admin may not map open', () => {
    expect(initialMapping(preview)).toEqual({ 'E-mailadres': 'email', Voornaam: 'firstName', Achternam: 'lastName', Opmerking: null, '': null });
  });

  it('prefers the mapping the import already holds', () => {
    expect(initialMapping(preview, { 'E-mailadres': 'email', Voornaam: null, Achternam: 'firstName', Opmerking: 'userCode' })).toMatchObject({
      Voornaam: null,
      Achternam: 'firstName',
      Opmerking: 'userCode',
    });
  });

  it('lists the mandatory columns still open, and clashes', () => {
    const choice = initialMapping(preview);
    expect(openMandatory(preview.columns, choice).map((c) => c.key)).toEqual(['userCode']);
    const both = choose(choice, 'Opmerking', 'email');
    expect([...clashes(both)]).toEqual([['email', ['E-mailadres', 'Opmerking']]]);
    expect(mappingRows(preview, both)[0].clashesWith).toEqual(['Opmerking']);
    const exclusive = choose(choice, 'Opmerking', 'email', true);
    expect(exclusive['E-mailadres']).toBeNull();
    expect(openMandatory(preview.columns, choose(choice, 'Opmerking', 'userCode'))).toEqual([]);
  });

  it('shows samples per header, a label for an empty header, and the confidence level', () => {
    const list = mappingRows(preview, initialMapping(preview));
    expect(list[0].samples).toEqual(['a@example.com', 'b@example.com']);
    expect(list[3].samples).toEqual(['hi']);
    expect(list[4].label).toBe('#5');
    expect(confidenceLevel(list[0].suggestion)).toBe('high');
    expect(confidenceLevel(list[2].suggestion)).toBe('medium');
    expect(confidenceLevel({ header: 'x', index: 0, key: 'a', confidence: 0.8, reason: 'fuzzy' })).toBe('low');
    expect(confidenceLevel({ header: 'x', index: 0, key: 'a', confidence: 1, reason: 'remembered' })).toBe('remembered');
    expect(confidenceLevel(list[4].suggestion)).toBe('none');
  });

  it('sends every header, skipped ones as null', () => {
    expect(toApiMapping(preview, choose(initialMapping(preview), 'Voornaam', null))).toEqual({
      'E-mailadres': 'email',
      Voornaam: null,
      Achternam: 'lastName',
      Opmerking: null,
      '': null,
    });
  });
});
