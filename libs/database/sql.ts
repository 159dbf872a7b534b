/**
 * A PostgreSQL array literal for binding a list as one parameter: `where id = any(?::uuid[])`.
 * Every element is quoted and escaped, so any text is safe.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** Escapes LIKE/ILIKE wildcards so user input matches literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
