import type { ImportColumn, ImportPreview, MappingSuggestion } from '../types';

/** The admin's choice per header of the file: a column key, or null to skip the header. */
export type MappingChoice = Record<string, string | null>;

export type ConfidenceLevel = 'remembered' | 'high' | 'medium' | 'low' | 'none';

export interface MappingRow {
  header: string;
  /** A label for a header cell that is empty in the file. */
  label: string;
  index: number;
  samples: string[];
  suggestion: MappingSuggestion | undefined;
  key: string | null;
  /** Other headers mapped to the same column (a conflict the API refuses). */
  clashesWith: string[];
}

/**
 * The starting point of the mapping screen: what the admin chose before for this import (a mapping the
 * API already holds), else the API's suggestion per header. A suggestion for a column the admin may not
 * map (not in `columns`) is left open.
 */
export function initialMapping(preview: ImportPreview, saved?: Record<string, string | null> | null): MappingChoice {
  const allowed = new Set(preview.columns.map((column) => column.key));
  const choice: MappingChoice = {};
  for (const header of preview.headers) choice[header] = null;
  for (const suggestion of preview.suggestions) {
    if (suggestion.key && allowed.has(suggestion.key)) choice[suggestion.header] = suggestion.key;
  }
  if (saved) {
    for (const [header, key] of Object.entries(saved)) {
      if (header in choice) choice[header] = key && allowed.has(key) ? key : null;
    }
  }
  return choice;
}

/** Sets one header's column; a column can be chosen for one header only, so the previous holder is skipped. */
export function choose(choice: MappingChoice, header: string, key: string | null, exclusive = false): MappingChoice {
  const next = { ...choice, [header]: key };
  if (exclusive && key) {
    for (const other of Object.keys(next)) if (other !== header && next[other] === key) next[other] = null;
  }
  return next;
}

export function confidenceLevel(suggestion: MappingSuggestion | undefined): ConfidenceLevel {
  if (!suggestion || !suggestion.key || suggestion.reason === 'none') return 'none';
  if (suggestion.reason === 'remembered') return 'remembered';
  if (suggestion.confidence >= 0.95) return 'high';
  if (suggestion.confidence >= 0.85) return 'medium';
  return 'low';
}

export function mappingRows(preview: ImportPreview, choice: MappingChoice, sampleLimit = 3): MappingRow[] {
  const byHeader = new Map(preview.suggestions.map((suggestion) => [suggestion.header, suggestion]));
  const holders = new Map<string, string[]>();
  for (const [header, key] of Object.entries(choice)) if (key) holders.set(key, [...(holders.get(key) ?? []), header]);
  return preview.headers.map((header, index) => {
    const key = choice[header] ?? null;
    return {
      header,
      label: header.trim() === '' ? `#${index + 1}` : header,
      index,
      samples: preview.sampleRows
        .slice(0, sampleLimit)
        .map((row) => row[index] ?? '')
        .filter((value) => value !== ''),
      suggestion: byHeader.get(header),
      key,
      clashesWith: key ? (holders.get(key) ?? []).filter((other) => other !== header) : [],
    };
  });
}

/** Mandatory columns no header is mapped to yet: the mapping cannot be sent while there are any. */
export function openMandatory(columns: ImportColumn[], choice: MappingChoice): ImportColumn[] {
  const taken = new Set(Object.values(choice).filter((key): key is string => !!key));
  return columns.filter((column) => column.mandatory && !taken.has(column.key));
}

/** Columns chosen for more than one header, with those headers. */
export function clashes(choice: MappingChoice): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  for (const [header, key] of Object.entries(choice)) if (key) holders.set(key, [...(holders.get(key) ?? []), header]);
  return new Map([...holders].filter(([, headers]) => headers.length > 1));
}

/** What PUT /mapping takes: every header of the file, a column key or null (skip). */
export function toApiMapping(preview: ImportPreview, choice: MappingChoice): Record<string, string | null> {
  return Object.fromEntries(preview.headers.map((header) => [header, choice[header] ?? null]));
}

/** A short summary: how many headers are mapped, skipped, and which mandatory columns are still open. */
export function mappingSummary(preview: ImportPreview, choice: MappingChoice) {
  const mapped = preview.headers.filter((header) => choice[header]).length;
  return { mapped, skipped: preview.headers.length - mapped, open: openMandatory(preview.columns, choice), clashes: clashes(choice) };
}
