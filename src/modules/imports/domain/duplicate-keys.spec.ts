import { describe, expect, it } from 'vitest';
import type { ImportColumn } from '#libs/contracts/imports/index.js';
import { DuplicateKeys } from './duplicate-keys.js';

const column = (key: string, header: string, unique = false): ImportColumn => ({ key, header, mandatory: false, note: '', kind: 'text', maxLength: 100, unique });
const EMAIL = column('email', 'E-mail', true);
const TYPE = column('type', 'Type');
const NUMBER = column('number', 'Number');

/** Notes rows (seq = index + 1, row number = seq + 1), hands every repeated row's values over, returns the errors. */
function check(keys: DuplicateKeys, rows: Record<string, string>[]) {
  rows.forEach((values, index) => keys.note(index + 1, index + 2, values));
  for (const seq of keys.rowsToDescribe()) keys.describe(seq, rows[seq - 1]);
  return keys.errors();
}

describe('DuplicateKeys', () => {
  it('fails every occurrence of a key given twice, naming the other rows, compared trimmed of spaces and without case', () => {
    const errors = check(new DuplicateKeys([EMAIL]), [{ email: 'a@x.nl' }, { email: 'b@x.nl' }, { email: ' A@X.nl ' }, { email: 'a@x.NL' }]);
    expect([...errors.keys()].sort()).toEqual([1, 3, 4]);
    expect(errors.get(1)).toEqual([{ code: 'IMPORTS.DUPLICATE_KEY', column: 'email', params: { column: 'E-mail', value: 'a@x.nl', rows: '4, 5' } }]);
    expect(errors.get(3)![0].params).toEqual({ column: 'E-mail', value: ' A@X.nl ', rows: '2, 5' });
  });

  it('leaves empty keys out, and a tab is not a space (as PostgreSQL trim)', () => {
    const errors = check(new DuplicateKeys([EMAIL]), [{ email: '' }, { email: '  ' }, {}, { email: 'a\t' }, { email: 'a' }]);
    expect(errors.size).toBe(0);
  });

  it('names at most ten other rows and counts the rest', () => {
    const rows = Array.from({ length: 14 }, () => ({ email: 'same@x.nl' }));
    const errors = check(new DuplicateKeys([EMAIL]), rows);
    expect(errors.size).toBe(14);
    expect(errors.get(1)![0].params!.rows).toBe('3, 4, 5, 6, 7, 8, 9, 10, 11, 12 (+3)');
    expect(errors.get(14)![0].params!.rows).toBe('2, 3, 4, 5, 6, 7, 8, 9, 10, 11 (+3)');
  });

  it('checks composite keys after the key columns; a combination with a required column empty takes no part', () => {
    const keys = new DuplicateKeys([EMAIL, TYPE, NUMBER], [{ columns: ['email', 'type', 'number'], optional: ['number'] }]);
    const errors = check(keys, [
      { email: 'a@x.nl', type: 'RN', number: '' },
      { email: 'b@x.nl', type: 'RN', number: '' },
      { email: 'A@x.nl', type: 'rn', number: '' },
      { email: 'c@x.nl', type: '', number: '1' },
      { email: 'd@x.nl', type: '', number: '1' },
    ]);
    expect([...errors.keys()].sort()).toEqual([1, 3]);
    expect(errors.get(3)!.map((error) => error.code)).toEqual(['IMPORTS.DUPLICATE_KEY', 'IMPORTS.DUPLICATE_COMPOSITE_KEY']);
    expect(errors.get(3)![1]).toEqual({
      code: 'IMPORTS.DUPLICATE_COMPOSITE_KEY',
      column: 'email',
      params: { columns: 'E-mail + Type + Number', value: 'A@x.nl / rn / ', rows: '2' },
    });
  });

  it('ignores a composite key naming a column the type does not have, and is inactive without keys', () => {
    expect(new DuplicateKeys([TYPE], [{ columns: ['type', 'missing'] }]).active).toBe(false);
    expect(new DuplicateKeys([TYPE]).active).toBe(false);
  });
});
