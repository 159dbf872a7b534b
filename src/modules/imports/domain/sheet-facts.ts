import type { ImportMessage, SheetRowFacts } from '#libs/contracts/imports/index.js';
import type { MergedRange, RowFacts } from '#libs/spreadsheet/table-readers.js';
import { columnLetters } from './row-normaliser.js';

/** A row's sheet facts by column key: only the mapped columns count (the others are not imported). */
export function sheetFactsByKey(facts: RowFacts | undefined, keyAt: ReadonlyMap<number, string>): SheetRowFacts | undefined {
  if (!facts) return undefined;
  const formulaWithoutValue = (facts.formulaWithoutValue ?? []).flatMap((index) => keyAt.get(index) ?? []);
  if (!facts.hidden && formulaWithoutValue.length === 0) return undefined;
  return { ...(facts.hidden ? { hidden: true } : {}), ...(formulaWithoutValue.length > 0 ? { formulaWithoutValue } : {}) };
}

/**
 * The cells of merged ranges that read empty although the sheet shows the range's value: every cell of a
 * range but its first, in mapped columns. As stretches of rows with the column keys they touch, for the
 * staging to mark its rows with once all rows are staged (a sheet lists its merges after its rows).
 */
export function mergedStretches(ranges: MergedRange[], keyAt: ReadonlyMap<number, string>): { firstRow: number; lastRow: number; keys: string[] }[] {
  const keysIn = (first: number, last: number) => {
    const keys: string[] = [];
    for (const [index, key] of keyAt) if (index >= first && index <= last) keys.push(key);
    return keys;
  };
  return ranges.flatMap((range) => {
    const stretches: { firstRow: number; lastRow: number; keys: string[] }[] = [];
    // The first row: the cells right of the range's first cell.
    const firstRowKeys = keysIn(range.firstColumn + 1, range.lastColumn);
    if (firstRowKeys.length > 0) stretches.push({ firstRow: range.firstRow, lastRow: range.firstRow, keys: firstRowKeys });
    // The rows below it: all the range's cells.
    const belowKeys = range.lastRow > range.firstRow ? keysIn(range.firstColumn, range.lastColumn) : [];
    if (belowKeys.length > 0) stretches.push({ firstRow: range.firstRow + 1, lastRow: range.lastRow, keys: belowKeys });
    return stretches;
  });
}

/**
 * What the engine says about a row's sheet facts, naming columns by the file's own headers:
 * - a formula without a cached value fails the row: its value is unknown, and importing the cell as
 *   empty would quietly clear or skip what the admin sees in Excel;
 * - a hidden row and merged cells are warnings: the row's data is what the file holds, and the admin
 *   is told where it may differ from what they see.
 */
export function sheetFactMessages(facts: SheetRowFacts | undefined, headerOf: (key: string) => string): { errors: ImportMessage[]; warnings: ImportMessage[] } {
  if (!facts) return { errors: [], warnings: [] };
  const errors: ImportMessage[] = (facts.formulaWithoutValue ?? []).map((key) => ({ code: 'IMPORTS.FORMULA_WITHOUT_VALUE', column: key, params: { column: headerOf(key) } }));
  const warnings: ImportMessage[] = [];
  if (facts.hidden) warnings.push({ code: 'IMPORTS.HIDDEN_ROW' });
  if (facts.merged && facts.merged.length > 0) {
    warnings.push({ code: 'IMPORTS.MERGED_CELL', column: facts.merged[0], params: { columns: facts.merged.map(headerOf).join(', ') } });
  }
  return { errors, warnings };
}

/** Column key -> the file's header for it ("Amount"), or its column letter when the header is blank. */
export function headersByKey(header: string[], indexByKey: ReadonlyMap<string, number>): (key: string) => string {
  return (key) => {
    const index = indexByKey.get(key);
    if (index === undefined) return key;
    return header[index]?.trim() || columnLetters(index);
  };
}

/** The facts with their column keys in the file's column order (the staging gathers merged ones unordered). */
export function inColumnOrder(facts: SheetRowFacts | undefined, indexByKey: ReadonlyMap<string, number>): SheetRowFacts | undefined {
  if (!facts) return undefined;
  const position = (key: string) => indexByKey.get(key) ?? Number.MAX_SAFE_INTEGER;
  const ordered = (keys: string[] | undefined) => (keys && keys.length > 0 ? [...keys].sort((a, b) => position(a) - position(b)) : undefined);
  const formulaWithoutValue = ordered(facts.formulaWithoutValue);
  const merged = ordered(facts.merged);
  if (!facts.hidden && !formulaWithoutValue && !merged) return undefined;
  return { ...(facts.hidden ? { hidden: true } : {}), ...(formulaWithoutValue ? { formulaWithoutValue } : {}), ...(merged ? { merged } : {}) };
}
