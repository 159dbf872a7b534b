import { describe, expect, it } from 'vitest';
import { managesLicencesOf } from './licence-scope.js';

describe('licence management scope', () => {
  it('leaves out the caller themselves unless they see everyone', () => {
    expect(managesLicencesOf({ userId: 'me', seesEveryone: false }, 'me')).toBe(false);
    expect(managesLicencesOf({ userId: 'me', seesEveryone: false }, 'managee')).toBe(true);
    expect(managesLicencesOf({ userId: 'me', seesEveryone: true }, 'me')).toBe(true);
  });
});
