import { invalid } from '#libs/errors/domain-error.js';
import { isLocalDate } from './local-date.js';

export type AttributeKind = 'text' | 'number' | 'date';
export const ATTRIBUTE_KINDS: readonly AttributeKind[] = ['text', 'number', 'date'];

/** A custom attribute a group's credentials carry (e.g. `hours`, a number). */
export interface AttributeDefinition {
  key: string;
  label: string;
  kind: AttributeKind;
  required: boolean;
}

export type AttributeValue = string | number;

export const MAX_ATTRIBUTES = 50;
export const MAX_TEXT_VALUE = 1000;
const KEY = /^[a-z][a-z0-9_]{0,39}$/;
/** Keys that would clash with the standard columns of a credential (and of the import's mapping). */
const RESERVED_KEYS = new Set([
  'id',
  'credential_id',
  'recipient_name',
  'recipient_email',
  'recipient_id',
  'issued_on',
  'expires_on',
  'grade',
  'email',
  'name',
  // Names every object has (`constructor`): values are kept in plain objects, where such a key would read the prototype's.
  ...Object.getOwnPropertyNames(Object.prototype),
]);
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks and normalises a list of attribute definitions (keys unique, labels present, kinds known). */
export function parseAttributeDefinitions(input: unknown): AttributeDefinition[] {
  if (!Array.isArray(input)) throw invalid('CREDENTIALS.ATTRIBUTES_INVALID', { reason: 'not a list' });
  if (input.length > MAX_ATTRIBUTES) throw invalid('CREDENTIALS.ATTRIBUTES_TOO_MANY', { max: MAX_ATTRIBUTES });
  const seen = new Set<string>();
  return input.map((raw: unknown) => {
    const item = (raw ?? {}) as Record<string, unknown>;
    const key = typeof item.key === 'string' ? item.key.trim() : '';
    if (!KEY.test(key) || RESERVED_KEYS.has(key)) throw invalid('CREDENTIALS.ATTRIBUTE_KEY_INVALID', { key: String(item.key ?? '') });
    if (seen.has(key)) throw invalid('CREDENTIALS.ATTRIBUTE_KEY_DUPLICATE', { key });
    seen.add(key);
    const label = typeof item.label === 'string' ? item.label.trim() : '';
    if (label.length < 1 || label.length > 100 || CONTROL.test(label)) throw invalid('CREDENTIALS.ATTRIBUTE_LABEL_INVALID', { key });
    const kind = item.kind as AttributeKind;
    if (!ATTRIBUTE_KINDS.includes(kind)) throw invalid('CREDENTIALS.ATTRIBUTE_KIND_INVALID', { key, kind: String(item.kind ?? ''), allowed: ATTRIBUTE_KINDS.join(', ') });
    if (item.required !== undefined && typeof item.required !== 'boolean') throw invalid('CREDENTIALS.ATTRIBUTES_INVALID', { reason: `required of ${key} is not a boolean` });
    return { key, label, kind, required: item.required === true };
  });
}

export type AttributeIssue = { key: string; code: string; params: Record<string, string | number> };

/**
 * One attribute value, normalised for its kind: text trimmed (empty = absent), a number from a number or a
 * numeric text (`1,5` is read as 1.5), a date as YYYY-MM-DD. `null` means absent.
 */
export function normaliseAttributeValue(definition: AttributeDefinition, raw: unknown): { value: AttributeValue | null } | { issue: AttributeIssue } {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return { value: null };
  const { key } = definition;
  switch (definition.kind) {
    case 'text': {
      const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : null;
      if (text === null || text.length > MAX_TEXT_VALUE || CONTROL.test(text.replace(/[\n\t]/g, ' '))) {
        return { issue: { key, code: 'CREDENTIALS.ATTRIBUTE_TEXT_INVALID', params: { key, max: MAX_TEXT_VALUE } } };
      }
      return { value: text };
    }
    case 'number': {
      const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+([.,]\d+)?\s*$/.test(raw) ? Number(raw.trim().replace(',', '.')) : NaN;
      if (!Number.isFinite(number)) return { issue: { key, code: 'CREDENTIALS.ATTRIBUTE_NUMBER_INVALID', params: { key, value: String(raw) } } };
      return { value: number };
    }
    case 'date': {
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (!isLocalDate(text)) return { issue: { key, code: 'CREDENTIALS.ATTRIBUTE_DATE_INVALID', params: { key, value: String(raw) } } };
      return { value: text };
    }
  }
}

/**
 * A credential's complete attribute values against its group's definitions: unknown keys, wrong kinds and
 * missing required values are issues; absent optional values are left out of the result.
 */
export function checkAttributes(definitions: readonly AttributeDefinition[], values: Record<string, unknown>): { values: Record<string, AttributeValue>; issues: AttributeIssue[] } {
  const result: Record<string, AttributeValue> = {};
  const issues: AttributeIssue[] = [];
  const known = new Map(definitions.map((definition) => [definition.key, definition]));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) issues.push({ key, code: 'CREDENTIALS.ATTRIBUTE_UNKNOWN', params: { key } });
  }
  for (const definition of definitions) {
    // Own values only: a key named like an Object.prototype member must not read the prototype's.
    const outcome = normaliseAttributeValue(definition, Object.hasOwn(values, definition.key) ? values[definition.key] : undefined);
    if ('issue' in outcome) issues.push(outcome.issue);
    else if (outcome.value === null) {
      if (definition.required) issues.push({ key: definition.key, code: 'CREDENTIALS.ATTRIBUTE_REQUIRED', params: { key: definition.key, label: definition.label } });
    } else result[definition.key] = outcome.value;
  }
  return { values: result, issues };
}

/** checkAttributes that throws the first issue as a validation error (REST). */
export function assertAttributes(definitions: readonly AttributeDefinition[], values: Record<string, unknown>): Record<string, AttributeValue> {
  const { values: checked, issues } = checkAttributes(definitions, values);
  if (issues.length > 0) throw invalid(issues[0].code, issues[0].params);
  return checked;
}

/**
 * What changing a group's definitions asks of its existing credentials. Safe without looking: adding an
 * optional attribute, relabelling. Needs the data checked: removing an attribute (refused while any
 * credential has a value for it), changing a kind (refused while any credential has a value), making an
 * attribute required or adding a required one (refused while any credential lacks a value).
 */
export interface DefinitionChangePlan {
  removed: string[];
  kindChanged: string[];
  nowRequired: string[];
}

export function planDefinitionChange(before: readonly AttributeDefinition[], after: readonly AttributeDefinition[]): DefinitionChangePlan {
  const old = new Map(before.map((definition) => [definition.key, definition]));
  const next = new Map(after.map((definition) => [definition.key, definition]));
  return {
    removed: before.filter((definition) => !next.has(definition.key)).map((definition) => definition.key),
    kindChanged: after.filter((definition) => old.has(definition.key) && old.get(definition.key)!.kind !== definition.kind).map((definition) => definition.key),
    nowRequired: after.filter((definition) => definition.required && !old.get(definition.key)?.required).map((definition) => definition.key),
  };
}

export function parseGroupName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (name.length < 1 || name.length > 200 || CONTROL.test(name)) throw invalid('CREDENTIALS.GROUP_NAME_INVALID');
  return name;
}

export function parseOptionalText(input: unknown, field: string, max = 2000): string | null {
  if (input === null || input === undefined) return null;
  const text = typeof input === 'string' ? input.trim() : '';
  if (typeof input !== 'string' || text.length > max || CONTROL.test(text.replace(/[\n\t\r]/g, ' '))) throw invalid('CREDENTIALS.TEXT_INVALID', { field, max });
  return text === '' ? null : text;
}

const PLACEHOLDER = /^[a-z][a-zA-Z0-9_.]{0,99}$/;

/** A design's placeholders: attribute paths such as `recipient.name` or `attributes.hours`; unique, at most 100. */
export function parsePlaceholders(input: unknown): string[] {
  if (!Array.isArray(input)) throw invalid('CREDENTIALS.PLACEHOLDERS_INVALID', { value: '' });
  if (input.length > 100) throw invalid('CREDENTIALS.PLACEHOLDERS_INVALID', { value: `${input.length} placeholders` });
  const result: string[] = [];
  for (const item of input) {
    const text = typeof item === 'string' ? item.trim() : '';
    if (!PLACEHOLDER.test(text)) throw invalid('CREDENTIALS.PLACEHOLDERS_INVALID', { value: String(item) });
    if (!result.includes(text)) result.push(text);
  }
  return result;
}

export function parseDesignName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (name.length < 1 || name.length > 200 || CONTROL.test(name)) throw invalid('CREDENTIALS.DESIGN_NAME_INVALID');
  return name;
}

/**
 * An attribute's label (its column header in the update import) and key (an alias of that column) must not
 * be a name of a standard column (`taken`: lower-cased header, alias or key -> the column's header): the
 * mapping would read the file's "Email" or "Naam" column into the attribute. Compared trimmed, without case.
 */
export function assertAttributeNamesFree(definitions: readonly AttributeDefinition[], taken: ReadonlyMap<string, string>): void {
  for (const definition of definitions) {
    for (const name of [definition.label, definition.key]) {
      const column = taken.get(name.trim().toLowerCase());
      if (column !== undefined) throw invalid('CREDENTIALS.ATTRIBUTE_NAME_TAKEN', { key: definition.key, name, column });
    }
  }
}
