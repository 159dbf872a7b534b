import type { ImportColumn, ImportCompositeKey, ImportMessage } from '#libs/contracts/imports/index.js';

/** How many of the other rows a duplicate-key error names; the rest are counted. */
const ROWS_NAMED = 10;

/** PostgreSQL's trim(): spaces only, not every kind of white space. */
function trimSpaces(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) === 32) start++;
  while (end > start && value.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** At most `length` characters (code points, as PostgreSQL's left() counts them). */
function leftChars(value: string, length: number): string {
  if (value.length <= length) return value;
  return Array.from(value).slice(0, length).join('');
}

interface KeyCheck {
  /** The message for a row of a group of rows with the same key. */
  message(values: Record<string, string>, others: string): ImportMessage;
  /** The compared key of a row, or undefined when the row takes no part. */
  keyOf(values: Record<string, string>): string | undefined;
}

function singleKey(column: ImportColumn): KeyCheck {
  return {
    keyOf(values) {
      const trimmed = trimSpaces(values[column.key] ?? '');
      return trimmed === '' ? undefined : trimmed.toLowerCase();
    },
    message(values, others) {
      return { code: 'IMPORTS.DUPLICATE_KEY', column: column.key, params: { column: column.header, value: leftChars(values[column.key] ?? '', 200), rows: others } };
    },
  };
}

function compositeKey(key: ImportCompositeKey, headers: Map<string, string>): KeyCheck {
  const required = key.columns.filter((column) => !(key.optional ?? []).includes(column));
  return {
    keyOf(values) {
      if (required.some((column) => trimSpaces(values[column] ?? '') === '')) return undefined;
      return key.columns.map((column) => trimSpaces(values[column] ?? '').toLowerCase()).join('\u001f');
    },
    message(values, others) {
      return {
        code: 'IMPORTS.DUPLICATE_COMPOSITE_KEY',
        column: key.columns[0],
        params: {
          columns: key.columns.map((column) => headers.get(column)).join(' + '),
          value: leftChars(key.columns.map((column) => values[column] ?? '').join(' / '), 200),
          rows: others,
        },
      };
    },
  };
}

/**
 * The type's key columns (`unique`) and composite keys across a whole file, checked while it is read:
 * every occurrence of a value (or combination) given twice fails, naming the other rows (at most 10, then
 * a count). Values are compared trimmed of spaces and lower-cased; an empty key takes no part, as does a
 * combination with a non-optional column empty. Only the keys and row numbers are kept, not the rows'
 * values: memory grows with the distinct keys.
 */
export class DuplicateKeys {
  private readonly checks: KeyCheck[];
  /** Per check: key -> the seq of its first row, then (once repeated) every row as [seq, rowNumber]. */
  private readonly seen: Map<string, number>[];
  private readonly repeated: Map<string, [number, number][]>[];
  /** Row number by seq, for the rows that are the first of a key (a dense array: seqs count from 1). */
  private readonly rowNumbers: number[] = [];
  private readonly valuesOf = new Map<number, Record<string, string>>();

  constructor(columns: ImportColumn[], keys: ImportCompositeKey[] = []) {
    const headers = new Map(columns.map((column) => [column.key, column.header]));
    this.checks = [
      ...columns.filter((column) => column.unique).map(singleKey),
      ...keys.filter((key) => key.columns.length > 0 && key.columns.every((column) => headers.has(column))).map((key) => compositeKey(key, headers)),
    ];
    this.seen = this.checks.map(() => new Map());
    this.repeated = this.checks.map(() => new Map());
  }

  get active(): boolean {
    return this.checks.length > 0;
  }

  /** Notes a row's keys (rows in file order). */
  note(seq: number, rowNumber: number, values: Record<string, string>): void {
    this.rowNumbers[seq] = rowNumber;
    for (let index = 0; index < this.checks.length; index++) {
      const key = this.checks[index].keyOf(values);
      if (key === undefined) continue;
      const seen = this.seen[index];
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, seq);
        continue;
      }
      let rows = this.repeated[index].get(key);
      if (!rows) {
        rows = [[first, this.rowNumbers[first]]];
        this.repeated[index].set(key, rows);
      }
      rows.push([seq, rowNumber]);
    }
  }

  /** The seqs of every row that has a repeated key: their values are needed for the messages. */
  rowsToDescribe(): Set<number> {
    const seqs = new Set<number>();
    for (const groups of this.repeated) for (const rows of groups.values()) for (const [seq] of rows) seqs.add(seq);
    return seqs;
  }

  /** Hands over a row's values for its messages (rowsToDescribe); called for those rows only. */
  describe(seq: number, values: Record<string, string>): void {
    this.valuesOf.set(seq, values);
  }

  /** The errors to add, by seq, in the order of the checks (columns first, then composite keys). */
  errors(): Map<number, ImportMessage[]> {
    const bySeq = new Map<number, ImportMessage[]>();
    this.checks.forEach((check, index) => {
      for (const rows of this.repeated[index].values()) {
        const numbers = rows.map(([, rowNumber]) => rowNumber).sort((a, b) => a - b);
        const extra = numbers.length > ROWS_NAMED + 1 ? ` (+${numbers.length - ROWS_NAMED - 1})` : '';
        for (const [seq, rowNumber] of rows) {
          const others = numbers.filter((number) => number !== rowNumber).slice(0, ROWS_NAMED).join(', ') + extra;
          const list = bySeq.get(seq) ?? [];
          list.push(check.message(this.valuesOf.get(seq) ?? {}, others));
          bySeq.set(seq, list);
        }
      }
    });
    return bySeq;
  }
}
