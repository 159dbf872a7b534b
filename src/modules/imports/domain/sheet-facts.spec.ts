import { describe, expect, it } from 'vitest';
import { headersByKey, inColumnOrder, mergedStretches, sheetFactMessages, sheetFactsByKey } from './sheet-facts.js';

// File columns: A Code, B Name, C (ignored), D Amount.
const keyAt = new Map([
  [0, 'code'],
  [1, 'name'],
  [3, 'amount'],
]);
const indexByKey = new Map([...keyAt].map(([index, key]) => [key, index] as const));

describe('sheet facts of a row', () => {
  it('names mapped columns by key and drops the facts of columns the import does not use', () => {
    expect(sheetFactsByKey({ hidden: true, formulaWithoutValue: [2, 3] }, keyAt)).toEqual({ hidden: true, formulaWithoutValue: ['amount'] });
    expect(sheetFactsByKey({ formulaWithoutValue: [2] }, keyAt)).toBeUndefined();
    expect(sheetFactsByKey(undefined, keyAt)).toBeUndefined();
  });

  it('marks every cell of a merged range but its first, in mapped columns', () => {
    // B2:D3: row 2 loses C and D (amount), row 3 all of B, C, D (name, amount).
    expect(mergedStretches([{ firstRow: 2, lastRow: 3, firstColumn: 1, lastColumn: 3 }], keyAt)).toEqual([
      { firstRow: 2, lastRow: 2, keys: ['amount'] },
      { firstRow: 3, lastRow: 3, keys: ['name', 'amount'] },
    ]);
    // A vertical merge A5:A7 marks rows 6 and 7; C1:C9 touches no mapped column.
    expect(mergedStretches([{ firstRow: 5, lastRow: 7, firstColumn: 0, lastColumn: 0 }, { firstRow: 1, lastRow: 9, firstColumn: 2, lastColumn: 2 }], keyAt)).toEqual([
      { firstRow: 6, lastRow: 7, keys: ['code'] },
    ]);
  });

  it('turns a formula without a value into an error and hidden rows and merged cells into warnings, naming the file headers in file order', () => {
    const headerOf = headersByKey(['Code', '', 'Notes', 'Amount'], new Map([...indexByKey, ['name', 1]]));
    const facts = inColumnOrder({ hidden: true, formulaWithoutValue: ['amount'], merged: ['amount', 'name'] }, indexByKey);
    expect(facts).toEqual({ hidden: true, formulaWithoutValue: ['amount'], merged: ['name', 'amount'] });
    expect(sheetFactMessages(facts, headerOf)).toEqual({
      errors: [{ code: 'IMPORTS.FORMULA_WITHOUT_VALUE', column: 'amount', params: { column: 'Amount' } }],
      warnings: [{ code: 'IMPORTS.HIDDEN_ROW' }, { code: 'IMPORTS.MERGED_CELL', column: 'name', params: { columns: 'B, Amount' } }],
    });
    expect(sheetFactMessages(undefined, headerOf)).toEqual({ errors: [], warnings: [] });
  });
});
