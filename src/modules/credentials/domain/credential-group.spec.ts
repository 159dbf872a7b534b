import { describe, expect, it } from 'vitest';
import type { DomainError } from '#libs/errors/domain-error.js';
import { checkAttributes, parseAttributeDefinitions, parsePlaceholders, planDefinitionChange, type AttributeDefinition } from './credential-group.js';

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'no error';
}

describe('attribute definitions', () => {
  it('normalises keys, labels and kinds; required defaults to false', () => {
    expect(parseAttributeDefinitions([{ key: 'hours', label: ' Hours ', kind: 'number' }])).toEqual([{ key: 'hours', label: 'Hours', kind: 'number', required: false }]);
  });

  it('refuses bad keys, reserved keys, duplicates, unknown kinds and missing labels', () => {
    expect(codeOf(() => parseAttributeDefinitions([{ key: 'Hours', label: 'H', kind: 'number' }]))).toBe('CREDENTIALS.ATTRIBUTE_KEY_INVALID');
    expect(codeOf(() => parseAttributeDefinitions([{ key: 'grade', label: 'G', kind: 'text' }]))).toBe('CREDENTIALS.ATTRIBUTE_KEY_INVALID');
    expect(codeOf(() => parseAttributeDefinitions([{ key: 'a', label: 'A', kind: 'text' }, { key: 'a', label: 'B', kind: 'text' }]))).toBe('CREDENTIALS.ATTRIBUTE_KEY_DUPLICATE');
    expect(codeOf(() => parseAttributeDefinitions([{ key: 'a', label: 'A', kind: 'boolean' }]))).toBe('CREDENTIALS.ATTRIBUTE_KIND_INVALID');
    expect(codeOf(() => parseAttributeDefinitions([{ key: 'a', label: '', kind: 'text' }]))).toBe('CREDENTIALS.ATTRIBUTE_LABEL_INVALID');
    expect(codeOf(() => parseAttributeDefinitions('a'))).toBe('CREDENTIALS.ATTRIBUTES_INVALID');
  });
});

describe('attribute values', () => {
  const definitions: AttributeDefinition[] = [
    { key: 'hours', label: 'Hours', kind: 'number', required: true },
    { key: 'exam_on', label: 'Exam', kind: 'date', required: false },
    { key: 'note', label: 'Note', kind: 'text', required: false },
  ];

  it('reads numbers (also with a decimal comma), dates and text; empty means absent', () => {
    expect(checkAttributes(definitions, { hours: '1,5', exam_on: '2026-02-28', note: '' })).toEqual({ values: { hours: 1.5, exam_on: '2026-02-28' }, issues: [] });
    expect(checkAttributes(definitions, { hours: 8, note: ' x ' }).values).toEqual({ hours: 8, note: 'x' });
  });

  it('reports wrong kinds, unknown keys and missing required values', () => {
    const { issues } = checkAttributes(definitions, { hours: '', exam_on: '28-02-2026', colour: 'red' });
    expect(issues.map((issue) => `${issue.key}:${issue.code}`)).toEqual(['colour:CREDENTIALS.ATTRIBUTE_UNKNOWN', 'hours:CREDENTIALS.ATTRIBUTE_REQUIRED', 'exam_on:CREDENTIALS.ATTRIBUTE_DATE_INVALID']);
    expect(checkAttributes(definitions, { hours: '12 hours' }).issues[0].code).toBe('CREDENTIALS.ATTRIBUTE_NUMBER_INVALID');
  });
});

describe('planDefinitionChange', () => {
  it('names removed attributes, changed kinds and newly required ones (the changes that need the data checked)', () => {
    const before: AttributeDefinition[] = [
      { key: 'a', label: 'A', kind: 'text', required: false },
      { key: 'b', label: 'B', kind: 'text', required: false },
      { key: 'c', label: 'C', kind: 'text', required: false },
    ];
    const after: AttributeDefinition[] = [
      { key: 'a', label: 'A renamed', kind: 'text', required: false },
      { key: 'b', label: 'B', kind: 'number', required: false },
      { key: 'd', label: 'D', kind: 'text', required: true },
      { key: 'e', label: 'E', kind: 'date', required: false },
    ];
    expect(planDefinitionChange(before, after)).toEqual({ removed: ['c'], kindChanged: ['b'], nowRequired: ['d'] });
    expect(planDefinitionChange(before, before)).toEqual({ removed: [], kindChanged: [], nowRequired: [] });
  });
});

describe('placeholders', () => {
  it('keeps unique attribute paths and refuses anything else', () => {
    expect(parsePlaceholders(['recipient.name', 'attributes.hours', 'recipient.name'])).toEqual(['recipient.name', 'attributes.hours']);
    expect(codeOf(() => parsePlaceholders(['{{name}}']))).toBe('CREDENTIALS.PLACEHOLDERS_INVALID');
  });
});

describe('Object.prototype names as attribute keys', () => {
  it('are refused as keys', () => {
    expect(() => parseAttributeDefinitions([{ key: 'constructor', label: 'Constructor', kind: 'text' }])).toThrow(
      expect.objectContaining({ code: 'CREDENTIALS.ATTRIBUTE_KEY_INVALID' }) as unknown as Error,
    );
  });
  it('never read the prototype when a value is checked (a definition stored before the rule)', () => {
    const definitions: AttributeDefinition[] = [{ key: 'constructor', label: 'Constructor', kind: 'text', required: false }];
    expect(checkAttributes(definitions, {})).toEqual({ values: {}, issues: [] });
    expect(checkAttributes(definitions, { constructor: 'built' }).values).toEqual({ constructor: 'built' });
  });
});
