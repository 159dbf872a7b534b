import { createHash } from 'node:crypto';
import { distance } from 'fastest-levenshtein';
import type { ImportColumn } from '#libs/contracts/imports/index.js';

/**
 * Column mapping: which header of an uploaded file feeds which column of the import type.
 *
 * The worker suggests a mapping from the header row (`suggestMapping`), the admin corrects it, and the
 * API checks what the admin sends (`checkMapping`) before the file is streamed with `indexByKey`.
 * A mapping the admin confirmed can be remembered under `headerSignature(headers)` and passed back as
 * `remembered` for the next file with the same headers.
 *
 * Headers are positions: a file with two columns both called "Name" has two headers. A mapping entry
 * names headers by their text, so an entry for "Name" applies to BOTH of them; if it sends them to a key,
 * that key is fed twice and `checkMapping` reports IMPORTS.MAPPING_DUPLICATE_KEY (rename one of the
 * columns in the file, or skip the text). `suggestMapping` never gives the same key to two headers.
 */

/** A column key, or null: skip this header. */
export type MappingTarget = string | null;
/** Header text as it appears in the file -> column key, or null to skip. A header absent from it is skipped. */
export type ColumnMapping = Record<string, MappingTarget>;
export type SuggestionReason = 'remembered' | 'exact' | 'alias' | 'fuzzy' | 'none';

export interface MappingSuggestion {
  header: string;
  /** Position of the header in the header row (0-based). */
  index: number;
  key: string | null;
  /** 0..1, two decimals: 1 remembered or exact, 0.95 alias, 0.8-0.9 fuzzy, 0 none. */
  confidence: number;
  reason: SuggestionReason;
}

export interface MappingProblem {
  code: string;
  params: Record<string, string | number>;
  /** The header the problem is about, as in the file (or as in the mapping, for an unknown header). */
  header?: string;
}

/** Confidence of a match on one of the column's aliases (English or Dutch names from its definition). */
export const ALIAS_CONFIDENCE = 0.95;
/**
 * Lowest similarity (1 - Levenshtein distance / longer length, on comparable forms) accepted as a fuzzy
 * match. 0.8 allows one typo per five characters: "Certifcate Definiton Code" -> Certificate Definition
 * Code (0.92), "Voornam" -> Voornaam (0.88), "Emal" -> Email (0.8). It refuses what only looks alike:
 * "Date Obtained" / "Date Expires" (0.42), "First Name" / "Last Name" (0.67), "User Code" / "User Name"
 * (0.63), and it refuses the pairs that a threshold of 0.75 would still let through: "Last Name" /
 * "Last Date" (two letters out of eight, 0.75) and four-letter words one letter apart ("Code" / "Mode",
 * "Taal" / "Tail"). A wrong suggestion costs more than none: the admin sees an unmapped column and picks
 * it, but may well overlook a plausible wrong one.
 */
export const FUZZY_THRESHOLD = 0.8;
/** Fuzzy matches never outrank an alias: they score at most this. */
export const FUZZY_MAX_CONFIDENCE = 0.9;
/**
 * A column's name (at least MIN_CONTAINED_LENGTH comparable characters) that appears as whole words in a
 * longer header is a fuzzy match: "Email address of employee" -> Email, "E-mailadres werknemer" ->
 * E-mailadres. Whole words only, so "Emailing list" is not Email and "Gebruikerscode" is not "Code";
 * names shorter than four characters ("Nr", "ID") match nothing by containment. Scores 0.8 + 0.1 x the
 * share of the header the name covers, so a closer header wins a conflict.
 */
export const MIN_CONTAINED_LENGTH = 4;
/**
 * Headers (and names) longer than this, in comparable characters, get no fuzzy or containment match:
 * no real header is that long, and it bounds the Levenshtein work a hostile header row can cause
 * (IMPORT_MAX_COLUMNS headers x the columns' names).
 */
export const MAX_FUZZY_LENGTH = 100;

/** Words of a text: accents stripped, camelCase split, lowercase, split on anything but letters and digits. */
function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/**
 * The form headers are compared in: NFD with the accents (combining marks) stripped, lowercase, and only
 * letters and digits kept (spaces, punctuation, underscores, hyphens and a trailing "*" go).
 * "  USER-code*" -> "usercode", "Gebruikers code" -> "gebruikerscode", "Één" -> "een".
 */
export function comparableHeader(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * A stable hash of the set of comparable headers: the order of the columns, case, accents, spacing,
 * empty headers and repeated headers do not change it. Used to remember an admin's mapping for the next
 * file with the same headers.
 */
export function headerSignature(headers: string[]): string {
  const set = [...new Set(headers.map((header) => comparableHeader(String(header))).filter((text) => text.length > 0))];
  // Code-unit order, not localeCompare: the signature must not depend on the server's locale.
  set.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(set.join('\n')).digest('hex');
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface Resolution {
  /** Per header index: the mapping's target, or undefined when the mapping does not name the header. */
  targets: (MappingTarget | undefined)[];
  /** Mapping entries (header texts) that name no header of the file. */
  unknownEntries: string[];
  /** Header indexes that several entries of the same comparable form send to different targets. */
  ambiguous: number[];
}

/**
 * Applies a mapping to a header row. An entry names the headers with exactly its text (all of them, when
 * the text repeats); an entry whose text is no header's exact text names the headers of the same
 * comparable form instead. A header named exactly by one entry ignores entries that only match it by
 * comparable form.
 */
function resolve(headers: string[], mapping: ColumnMapping): Resolution {
  const entries = Object.entries(mapping);
  const targets: (MappingTarget | undefined)[] = headers.map(() => undefined);
  const exactText = new Map<string, number[]>();
  const byComparable = new Map<string, number[]>();
  headers.forEach((header, index) => {
    if (header.trim() === '') return;
    pushTo(exactText, header, index);
    const comparable = comparableHeader(header);
    if (comparable) pushTo(byComparable, comparable, index);
  });
  const unknownEntries: string[] = [];
  const exactlyNamed = new Set<number>();
  const loose: [string, MappingTarget][] = [];
  for (const [text, target] of entries) {
    const indexes = exactText.get(text);
    if (indexes) {
      for (const index of indexes) {
        targets[index] = target;
        exactlyNamed.add(index);
      }
    } else {
      loose.push([text, target]);
    }
  }
  const looseTargets = new Map<number, MappingTarget[]>();
  for (const [text, target] of loose) {
    const comparable = comparableHeader(text);
    const indexes = comparable ? byComparable.get(comparable) : undefined;
    if (!indexes) {
      unknownEntries.push(text);
      continue;
    }
    for (const index of indexes) {
      if (!exactlyNamed.has(index)) pushTo(looseTargets, index, target);
    }
  }
  const ambiguous: number[] = [];
  for (const [index, candidates] of [...looseTargets].sort((a, b) => a[0] - b[0])) {
    if (new Set(candidates).size > 1) ambiguous.push(index);
    else targets[index] = candidates[0];
  }
  return { targets, unknownEntries, ambiguous };
}

interface Candidate {
  index: number;
  key: string;
  column: number;
  score: number;
  reason: Exclude<SuggestionReason, 'remembered' | 'none'>;
}

interface ColumnNames {
  /** Comparable header and key. */
  exact: Set<string>;
  aliases: Set<string>;
  /** Comparable form and words of every name (header, key, aliases), for fuzzy and containment. */
  all: { comparable: string; words: string }[];
}

function namesOf(column: ImportColumn): ColumnNames {
  const exact = new Set([column.header, column.key].map(comparableHeader).filter(Boolean));
  const aliases = new Set((column.aliases ?? []).map(comparableHeader).filter((alias) => alias && !exact.has(alias)));
  const all = new Map<string, string>();
  for (const name of [column.header, column.key, ...(column.aliases ?? [])]) {
    const comparable = comparableHeader(name);
    if (comparable && !all.has(comparable)) all.set(comparable, ` ${words(name).join(' ')} `);
  }
  return { exact, aliases, all: [...all].map(([comparable, nameWords]) => ({ comparable, words: nameWords })) };
}

/** Best fuzzy score of a header against a column's names, or 0 below the threshold. */
function fuzzyScore(comparable: string, headerWords: string, names: ColumnNames['all']): number {
  if (comparable.length > MAX_FUZZY_LENGTH) return 0;
  let best = 0;
  for (const name of names) {
    if (name.comparable.length > MAX_FUZZY_LENGTH) continue;
    const longer = Math.max(comparable.length, name.comparable.length);
    // The distance is at least the difference in length: skip what cannot reach the threshold.
    if (1 - Math.abs(comparable.length - name.comparable.length) / longer >= FUZZY_THRESHOLD) {
      const similarity = 1 - distance(comparable, name.comparable) / longer;
      if (similarity >= FUZZY_THRESHOLD) best = Math.max(best, Math.min(similarity, FUZZY_MAX_CONFIDENCE));
    }
    if (name.comparable.length >= MIN_CONTAINED_LENGTH && name.comparable.length < comparable.length && headerWords.includes(name.words)) {
      best = Math.max(best, FUZZY_THRESHOLD + (FUZZY_MAX_CONFIDENCE - FUZZY_THRESHOLD) * (name.comparable.length / comparable.length));
    }
  }
  return best;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Suggests a key for each header: (1) what the admin chose for these headers before (`remembered`, a
 * mapping stored under the same `headerSignature`; its keys that are no longer among `columns` are
 * ignored, and a remembered skip stays a skip); (2) the column's header or key, exactly in comparable form
 * (1.0); (3) one of its aliases (0.95); (4) a fuzzy match (see FUZZY_THRESHOLD, MIN_CONTAINED_LENGTH);
 * (5) nothing (null, 0). No key is given to two headers: the best score wins, then the left-most header,
 * and the loser takes its next-best free column or nothing. Empty headers get nothing. Deterministic.
 */
export function suggestMapping(headers: string[], allColumns: ImportColumn[], remembered: ColumnMapping = {}): MappingSuggestion[] {
  // Columns the principal may not map are never suggested (checkMapping says why when one is named).
  const columns = allColumns.filter((column) => !column.refusal);
  const suggestions: MappingSuggestion[] = headers.map((header, index) => ({ header, index, key: null, confidence: 0, reason: 'none' }));
  const known = new Set(columns.map((column) => column.key));
  const taken = new Set<string>();
  const decided = new Set<number>();

  const { targets } = resolve(headers, remembered);
  targets.forEach((target, index) => {
    if (target === undefined || comparableHeader(headers[index]) === '') return;
    if (target === null) {
      suggestions[index] = { ...suggestions[index], confidence: 1, reason: 'remembered' };
      decided.add(index);
    } else if (typeof target === 'string' && known.has(target) && !taken.has(target)) {
      suggestions[index] = { ...suggestions[index], key: target, confidence: 1, reason: 'remembered' };
      taken.add(target);
      decided.add(index);
    }
  });

  const names = columns.map(namesOf);
  const candidates: Candidate[] = [];
  headers.forEach((header, index) => {
    if (decided.has(index)) return;
    const comparable = comparableHeader(header);
    if (!comparable) return;
    const headerWords = ` ${words(header).join(' ')} `;
    columns.forEach((column, columnIndex) => {
      if (taken.has(column.key)) return;
      const own = names[columnIndex];
      if (own.exact.has(comparable)) candidates.push({ index, key: column.key, column: columnIndex, score: 1, reason: 'exact' });
      else if (own.aliases.has(comparable)) candidates.push({ index, key: column.key, column: columnIndex, score: ALIAS_CONFIDENCE, reason: 'alias' });
      else {
        const score = fuzzyScore(comparable, headerWords, own.all);
        if (score > 0) candidates.push({ index, key: column.key, column: columnIndex, score, reason: 'fuzzy' });
      }
    });
  });
  candidates.sort((a, b) => b.score - a.score || a.index - b.index || a.column - b.column);
  for (const candidate of candidates) {
    if (decided.has(candidate.index) || taken.has(candidate.key)) continue;
    suggestions[candidate.index] = { ...suggestions[candidate.index], key: candidate.key, confidence: round(candidate.score), reason: candidate.reason };
    taken.add(candidate.key);
    decided.add(candidate.index);
  }
  return suggestions;
}

/** The mandatory columns no header is mapped to, in the order of `columns`. */
export function unmappedMandatory(mapping: ColumnMapping | MappingSuggestion[], columns: ImportColumn[]): ImportColumn[] {
  const mapped = new Set<unknown>(Array.isArray(mapping) ? mapping.map((suggestion) => suggestion.key) : Object.values(mapping));
  return columns.filter((column) => column.mandatory && !column.refusal && !mapped.has(column.key));
}

/** True when every mandatory column has a header. */
export function mappingIsComplete(suggestions: MappingSuggestion[], columns: ImportColumn[]): boolean {
  return unmappedMandatory(suggestions, columns).length === 0;
}

const MAX_ECHO = 100;
/** Text of the admin's input repeated in a message, cut short: a message must stay readable. */
function echo(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
}

/**
 * Checks a mapping the admin sends against the file's headers and the columns they may import (the caller
 * passes only those, so a key of a column they may not import is an unknown column). Problems, in this
 * order: IMPORTS.MAPPING_UNKNOWN_HEADER (an entry names no header of the file), IMPORTS.MAPPING_UNKNOWN_COLUMN
 * (an entry's key is not one of `columns`, or not a string or null), IMPORTS.MAPPING_AMBIGUOUS_HEADER (a
 * header is not named exactly, and entries of its comparable form disagree), IMPORTS.MAPPING_DUPLICATE_KEY
 * (two headers feed one key; also when a header text repeats in the file and is mapped to a key),
 * IMPORTS.MISSING_COLUMNS (mandatory columns no header feeds). A key of a column with a `refusal` is
 * reported with that refusal's code instead of MAPPING_UNKNOWN_COLUMN. No problems: `indexByKey` may be used.
 */
export function checkMapping(headers: string[], mapping: ColumnMapping, allColumns: ImportColumn[]): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const columns = allColumns.filter((column) => !column.refusal);
  const refused = new Map(allColumns.filter((column) => column.refusal).map((column) => [column.key, column]));
  const byKey = new Map(columns.map((column) => [column.key, column]));
  const { targets, unknownEntries, ambiguous } = resolve(headers, mapping);
  for (const text of unknownEntries) {
    problems.push({ code: 'IMPORTS.MAPPING_UNKNOWN_HEADER', params: { header: echo(text), found: headersFound(headers) }, header: text });
  }
  for (const [text, target] of Object.entries(mapping)) {
    if (target === null || (typeof target === 'string' && byKey.has(target))) continue;
    const refusal = typeof target === 'string' ? refused.get(target)?.refusal : undefined;
    if (refusal) {
      // A column the principal sees but may not map: the type's message says why.
      problems.push({ code: refusal.code, params: { ...refusal.params, header: echo(text), column: echo(target) }, header: text });
      continue;
    }
    problems.push({ code: 'IMPORTS.MAPPING_UNKNOWN_COLUMN', params: { header: echo(text), column: echo(target), available: columns.map((c) => c.key).join(', ') || '-' }, header: text });
  }
  for (const index of ambiguous) {
    problems.push({ code: 'IMPORTS.MAPPING_AMBIGUOUS_HEADER', params: { header: echo(headers[index]), position: index + 1 }, header: headers[index] });
  }
  const indexesByKey = new Map<string, number[]>();
  targets.forEach((target, index) => {
    if (typeof target === 'string' && byKey.has(target)) pushTo(indexesByKey, target, index);
  });
  for (const [key, indexes] of indexesByKey) {
    const [first, ...others] = indexes;
    for (const other of others) {
      problems.push({
        code: 'IMPORTS.MAPPING_DUPLICATE_KEY',
        params: {
          key,
          column: byKey.get(key)!.header,
          header: echo(headers[first]),
          position: first + 1,
          otherHeader: echo(headers[other]),
          otherPosition: other + 1,
        },
        header: headers[other],
      });
    }
  }
  const missing = columns.filter((column) => column.mandatory && !indexesByKey.has(column.key));
  if (missing.length > 0) {
    problems.push({ code: 'IMPORTS.MISSING_COLUMNS', params: { columns: missing.map((column) => column.header).join(', '), found: headersFound(headers) } });
  }
  // Columns of which at least one must be mapped (a row is matched by one of them).
  const oneOf = new Map<string, ImportColumn[]>();
  for (const column of columns) if (column.mandatoryOneOf) pushTo(oneOf, column.mandatoryOneOf, column);
  for (const group of oneOf.values()) {
    if (group.some((column) => indexesByKey.has(column.key))) continue;
    problems.push({ code: 'IMPORTS.MISSING_ONE_OF_COLUMNS', params: { columns: group.map((column) => column.header).join(', '), found: headersFound(headers) } });
  }
  return problems;
}

const MAX_FOUND = 20;
/** The file's headers for a message: the first MAX_FOUND, each cut short. */
function headersFound(headers: string[]): string {
  const found = headers.filter((header) => header.trim());
  const shown = found.slice(0, MAX_FOUND).map(echo).join(', ');
  return found.length > MAX_FOUND ? `${shown}, … (${found.length - MAX_FOUND} more)` : shown || '-';
}

/**
 * Column key -> position of its header, for reading rows. Use after `checkMapping` found no problems;
 * skipped headers (null, or absent from the mapping) are left out, and a key fed twice keeps the left-most.
 */
export function indexByKey(headers: string[], mapping: ColumnMapping): Map<string, number> {
  const result = new Map<string, number>();
  resolve(headers, mapping).targets.forEach((target, index) => {
    if (typeof target === 'string' && !result.has(target)) result.set(target, index);
  });
  return result;
}
