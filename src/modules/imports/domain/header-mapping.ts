import type { ImportColumn, ImportMessage } from '#libs/contracts/imports/index.js';

export interface HeaderMapping {
  /** Column key -> index of the cell in each row. */
  indexByKey: Map<string, number>;
  /** Problems that stop the import (missing mandatory columns, a column given twice). */
  errors: ImportMessage[];
  /** Headers that match no column: ignored, reported once. */
  ignoredHeaders: string[];
}

export function normaliseHeader(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase().replace(/\s*\*$/, '');
}

/**
 * Matches the header row to the import type's columns: by header or alias (case, spacing and a trailing
 * "*" do not matter), or by an explicit mapping from the admin ({ "Personeelsnummer": "userCode" }).
 */
export function mapHeader(headers: string[], columns: ImportColumn[], explicit: Record<string, string> = {}): HeaderMapping {
  const byName = new Map<string, ImportColumn>();
  for (const column of columns) {
    for (const name of [column.header, column.key, ...(column.aliases ?? [])]) byName.set(normaliseHeader(name), column);
  }
  const explicitByHeader = new Map(Object.entries(explicit).map(([header, key]) => [normaliseHeader(header), key]));
  const indexByKey = new Map<string, number>();
  const errors: ImportMessage[] = [];
  const ignoredHeaders: string[] = [];
  headers.forEach((raw, index) => {
    const header = normaliseHeader(raw);
    if (!header) return;
    const mappedKey = explicitByHeader.get(header);
    const column = mappedKey ? columns.find((c) => c.key === mappedKey) : byName.get(header);
    if (mappedKey && !column) {
      errors.push({ code: 'IMPORTS.MAPPING_UNKNOWN_COLUMN', params: { header: raw, column: mappedKey, available: columns.map((c) => c.key).join(', ') } });
      return;
    }
    if (!column) {
      ignoredHeaders.push(raw);
      return;
    }
    if (indexByKey.has(column.key)) {
      errors.push({ code: 'IMPORTS.DUPLICATE_COLUMN', params: { column: column.header, header: raw } });
      return;
    }
    indexByKey.set(column.key, index);
  });
  const missing = columns.filter((c) => c.mandatory && !indexByKey.has(c.key)).map((c) => c.header);
  if (missing.length > 0) {
    errors.push({
      code: 'IMPORTS.MISSING_COLUMNS',
      params: { columns: missing.join(', '), found: headers.filter((h) => String(h).trim()).join(', ') || '-' },
    });
  }
  return { indexByKey, errors, ignoredHeaders };
}
