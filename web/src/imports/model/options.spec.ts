import { describe, expect, it } from 'vitest';
import type { ImportOption } from '../types';
import { controlOf, entityItems, entitySourceOf, initialOptionValues, missingRequired, splitList, toApiOptions } from './options';

const options: ImportOption[] = [
  { key: 'groupIds', kind: 'uuid-list', required: false, description: '' },
  { key: 'role', kind: 'string', required: false, description: '' },
  { key: 'language', kind: 'string', values: ['en', 'nl'], required: false, description: '' },
  { key: 'fillTerms', kind: 'boolean', required: false, description: '' },
  { key: 'budget', kind: 'integer', required: false, description: '' },
  { key: 'dateFormat', kind: 'string', values: ['dd-mm-yyyy', 'detect'], required: true, description: '' },
];

describe('the options form model', () => {
  it('picks a control per option kind, with entity lists where the API has them', () => {
    expect(options.map((option) => controlOf(option, !!entitySourceOf('users', option)))).toEqual(['multi', 'select', 'select', 'checkbox', 'number', 'select']);
    expect(controlOf(options[1], false)).toBe('text');
    expect(controlOf(options[0], false)).toBe('list');
    expect(entitySourceOf('users', options[0])?.path).toBe('/api/groups');
    expect(entitySourceOf('credential-update', { key: 'groupId', kind: 'uuid', required: true, description: '' })?.path).toBe('/api/credential-groups');
    expect(entitySourceOf('users', { key: 'groupId', kind: 'uuid', required: true, description: '' })).toBeUndefined();
    expect(entityItems({ items: [{ id: 1 }] })).toEqual([{ id: 1 }]);
    expect(entityItems('x')).toEqual([]);
  });

  it('sends only what is set, typed by kind', () => {
    expect(toApiOptions(options, {})).toEqual({});
    expect(
      toApiOptions(options, { groupIds: ['g1', 'g2'], role: ' learner ', language: '', fillTerms: false, budget: '12', dateFormat: 'detect' }),
    ).toEqual({ groupIds: ['g1', 'g2'], role: 'learner', fillTerms: false, budget: 12, dateFormat: 'detect' });
    expect(toApiOptions(options, { groupIds: 'a, b\nc', budget: 'ten' })).toEqual({ groupIds: ['a', 'b', 'c'], budget: 'ten' });
    expect(toApiOptions(options, { groupIds: [] })).toEqual({});
  });

  it('starts from saved options and names the required ones missing', () => {
    expect(initialOptionValues(options, { groupIds: ['g'], fillTerms: true, budget: 5, other: 1 })).toEqual({ groupIds: ['g'], fillTerms: true, budget: '5' });
    expect(missingRequired(options, {})).toEqual(['dateFormat']);
    expect(missingRequired(options, { dateFormat: 'detect' })).toEqual([]);
    expect(splitList(' a ;b,, c ')).toEqual(['a', 'b', 'c']);
  });
});
