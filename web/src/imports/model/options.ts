import type { ImportOption } from '../types';

/** A list the API offers for an option that names an entity (groups, roles, credential groups). */
export interface EntitySource {
  path: string;
  value: (item: Record<string, unknown>) => string;
  label: (item: Record<string, unknown>) => string;
}

const byId: Pick<EntitySource, 'value'> = { value: (item) => String(item.id) };
const named = (item: Record<string, unknown>) => String(item.name ?? item.title ?? item.key ?? item.id);

/**
 * Options whose values are entities with an endpoint, by `<type>:<option>` first, then `*:<option>`.
 * When the list cannot be read (no endpoint yet, or no permission to read it: a group admin may not list
 * roles), the form falls back to a plain text field.
 */
const SOURCES: Record<string, EntitySource> = {
  '*:groupIds': { path: '/api/groups', ...byId, label: named },
  '*:role': { path: '/api/roles', value: (item) => String(item.key), label: (item) => `${named(item)} (${String(item.key)})` },
  '*:roleKey': { path: '/api/roles', value: (item) => String(item.key), label: (item) => `${named(item)} (${String(item.key)})` },
  '*:credentialGroupId': { path: '/api/credential-groups', ...byId, label: named },
  'credential-update:group': { path: '/api/credential-groups', ...byId, label: named },
  'credential-update:groupId': { path: '/api/credential-groups', ...byId, label: named },
  'credential-update:credentialGroupId': { path: '/api/credential-groups', ...byId, label: named },
};

export function entitySourceOf(typeKey: string, option: ImportOption): EntitySource | undefined {
  return SOURCES[`${typeKey}:${option.key}`] ?? SOURCES[`*:${option.key}`];
}

/** Items of an entity list answer: a plain array or a page ({items}). */
export function entityItems(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items)) return (body as { items: Record<string, unknown>[] }).items;
  return [];
}

export type OptionControl = 'checkbox' | 'select' | 'text' | 'number' | 'multi' | 'list';

/** How an option is edited, from its description: fixed values are a select, lists of entities checkboxes. */
export function controlOf(option: ImportOption, hasEntities: boolean): OptionControl {
  switch (option.kind) {
    case 'boolean':
      return 'checkbox';
    case 'integer':
      return 'number';
    case 'string':
    case 'uuid':
      return option.values?.length || hasEntities ? 'select' : 'text';
    case 'string-list':
    case 'uuid-list':
      return option.values?.length || hasEntities ? 'multi' : 'list';
    default:
      return 'text';
  }
}

/** What the form holds per option: undefined = not set (the type's default applies). */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** The form's starting values from options the import already holds. */
export function initialOptionValues(options: ImportOption[], saved: Record<string, unknown> | undefined): OptionValues {
  const values: OptionValues = {};
  for (const option of options) {
    const value = saved?.[option.key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') values[option.key] = value;
    else if (Array.isArray(value)) values[option.key] = value.map(String);
    else values[option.key] = String(value);
  }
  return values;
}

/** Splits a free-text list (comma, semicolon, whitespace or line separated). */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The options as the API takes them: only what is set, typed by the option's kind. A number that is not
 * one is sent as text, so the API's own check refuses it next to the field (never silently dropped).
 */
export function toApiOptions(options: ImportOption[], values: OptionValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const option of options) {
    const value = values[option.key];
    if (value === undefined || value === '') continue;
    switch (option.kind) {
      case 'boolean':
        if (typeof value === 'boolean') out[option.key] = value;
        break;
      case 'integer': {
        const text = String(value).trim();
        out[option.key] = /^-?\d+$/.test(text) ? Number(text) : text;
        break;
      }
      case 'string-list':
      case 'uuid-list': {
        const list = Array.isArray(value) ? value : splitList(String(value));
        if (list.length > 0) out[option.key] = list;
        break;
      }
      default:
        out[option.key] = typeof value === 'string' ? value.trim() : value;
    }
  }
  return out;
}

/** Required options that are not set: the form says so before sending. */
export function missingRequired(options: ImportOption[], values: OptionValues): string[] {
  const sent = toApiOptions(options, values);
  return options.filter((option) => option.required && sent[option.key] === undefined).map((option) => option.key);
}
