import { describe, expect, it } from 'vitest';
import type { ImportColumn } from '#libs/contracts/imports/index.js';
import { translate } from '#libs/i18n/i18n.js';
import {
  checkMapping,
  comparableHeader,
  headerSignature,
  indexByKey,
  mappingIsComplete,
  suggestMapping,
  unmappedMandatory,
  type ColumnMapping,
} from './column-mapping.js';
import './messages.js';

const column = (key: string, header: string, aliases: string[] = [], mandatory = false): ImportColumn => ({ key, header, aliases, mandatory, note: '', kind: 'text' });

/** Users and certificates columns, as the import types declare them (English header, English and Dutch aliases). */
const COLUMNS: ImportColumn[] = [
  column('email', 'Email', ['E-mailadres', 'E-mail'], true),
  column('firstName', 'First Name', ['Voornaam']),
  column('lastName', 'Last Name', ['Achternaam']),
  column('userCode', 'User Code', ['Gebruikerscode', 'Linking Code', 'Koppelcode'], true),
  column('language', 'Language', ['Taal']),
  column('definitionCode', 'Certificate Definition Code', ['Certificaatdefinitiecode', 'Certificate Code', 'Definition Code'], true),
  column('dateObtained', 'Date Obtained', ['Behaaldatum', 'Datum behaald']),
  column('dateExpires', 'Date Expires', ['Vervaldatum', 'Geldig tot']),
  column('number', 'Number', ['Nummer', 'Certificate Number', 'Certificaatnummer']),
  column('autoNumber', 'Auto Number', ['Automatisch nummer', 'Autonummer']),
];

const keysOf = (headers: string[], columns = COLUMNS, remembered?: ColumnMapping) => suggestMapping(headers, columns, remembered).map((s) => s.key);
const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

describe('comparableHeader', () => {
  it('ignores accents, case, spaces, punctuation, underscores, hyphens and a trailing *', () => {
    expect(comparableHeader('  USER-code*')).toBe('usercode');
    expect(comparableHeader('Gebruikers code')).toBe('gebruikerscode');
    expect(comparableHeader('user_code')).toBe('usercode');
    expect(comparableHeader('Één Straße')).toBe('eenstraße');
    expect(comparableHeader('E-mailadres')).toBe('emailadres');
    expect(comparableHeader('Datum behaald')).toBe('datumbehaald');
    expect(comparableHeader('***')).toBe('');
  });

  it('treats composed and decomposed accents alike', () => {
    expect(comparableHeader('Cre\u0301dit')).toBe(comparableHeader('Cr\u00e9dit'));
  });
});

describe('suggestMapping', () => {
  it('maps the English template headers exactly, and the keys themselves', () => {
    const suggestions = suggestMapping(['Email', 'User Code', 'Certificate Definition Code', 'dateObtained'], COLUMNS);
    expect(suggestions).toEqual([
      { header: 'Email', index: 0, key: 'email', confidence: 1, reason: 'exact' },
      { header: 'User Code', index: 1, key: 'userCode', confidence: 1, reason: 'exact' },
      { header: 'Certificate Definition Code', index: 2, key: 'definitionCode', confidence: 1, reason: 'exact' },
      { header: 'dateObtained', index: 3, key: 'dateObtained', confidence: 1, reason: 'exact' },
    ]);
  });

  it('maps Dutch headers through the aliases', () => {
    const suggestions = suggestMapping(['E-mailadres', 'Voornaam', 'Achternaam', 'Gebruikerscode', 'Taal', 'Behaaldatum'], COLUMNS);
    expect(suggestions.map((s) => [s.key, s.reason, s.confidence])).toEqual([
      ['email', 'alias', 0.95],
      ['firstName', 'alias', 0.95],
      ['lastName', 'alias', 0.95],
      ['userCode', 'alias', 0.95],
      ['language', 'alias', 0.95],
      ['dateObtained', 'alias', 0.95],
    ]);
  });

  it('ignores accents, case, spaces and punctuation', () => {
    expect(suggestMapping(['  USER-code*'], COLUMNS)[0]).toMatchObject({ key: 'userCode', reason: 'exact', confidence: 1 });
    expect(suggestMapping(['Gebruikers code'], COLUMNS)[0]).toMatchObject({ key: 'userCode', reason: 'alias' });
    expect(suggestMapping(['Datum behaald'], COLUMNS)[0]).toMatchObject({ key: 'dateObtained', reason: 'alias' });
    expect(suggestMapping(['DATUM_BEHAALD'], COLUMNS)[0]).toMatchObject({ key: 'dateObtained', reason: 'alias' });
    expect(suggestMapping(['Taál'], COLUMNS)[0]).toMatchObject({ key: 'language', reason: 'alias' });
  });

  it('forgives typos', () => {
    const [typo] = suggestMapping(['Certifcate Definiton Code'], COLUMNS);
    expect(typo).toMatchObject({ key: 'definitionCode', reason: 'fuzzy' });
    expect(typo.confidence).toBeGreaterThanOrEqual(0.8);
    expect(typo.confidence).toBeLessThan(0.95);
    expect(keysOf(['Voornam', 'Achternaaam', 'Gebruikerscod', 'Emal'])).toEqual(['firstName', 'lastName', 'userCode', 'email']);
  });

  it('finds a column name as whole words in a longer header', () => {
    expect(suggestMapping(['Email address of employee'], COLUMNS)[0]).toMatchObject({ key: 'email', reason: 'fuzzy' });
    expect(suggestMapping(['E-mailadres werknemer'], COLUMNS)[0]).toMatchObject({ key: 'email', reason: 'fuzzy' });
    // Not inside a word, and not from a short name.
    expect(keysOf(['Emailing list'])).toEqual([null]);
    const withShortName = [column('id', 'ID'), column('remarks', 'Remarks')];
    expect(keysOf(['Supplier ID'], withShortName)).toEqual([null]);
  });

  it('does not cross headers that only look alike', () => {
    // Each is offered alone, so nothing else competes for the wrong key.
    const onlyObtained = COLUMNS.filter((c) => c.key !== 'dateObtained');
    const onlyExpires = COLUMNS.filter((c) => c.key !== 'dateExpires');
    expect(keysOf(['Date Obtained'], onlyObtained)).toEqual([null]);
    expect(keysOf(['Date Expires'], onlyExpires)).toEqual([null]);
    expect(keysOf(['Date Obtained', 'Date Expires'])).toEqual(['dateObtained', 'dateExpires']);
    expect(keysOf(['First Name'], [column('lastName', 'Last Name')])).toEqual([null]);
    expect(keysOf(['User Name'], [column('userCode', 'User Code')])).toEqual([null]);
    // Two letters out of eight: 0.75, just under the threshold.
    expect(keysOf(['Last Date'], [column('lastName', 'Last Name')])).toEqual([null]);
    expect(keysOf(['Mode'], [column('code', 'Code')])).toEqual([null]);
    expect(keysOf(['Remarks', 'Department', 'Phone'])).toEqual([null, null, null]);
  });

  it('says none, with confidence 0, when nothing matches, and for empty headers', () => {
    expect(suggestMapping(['Shoe size', '', '   ', '*'], COLUMNS)).toEqual([
      { header: 'Shoe size', index: 0, key: null, confidence: 0, reason: 'none' },
      { header: '', index: 1, key: null, confidence: 0, reason: 'none' },
      { header: '   ', index: 2, key: null, confidence: 0, reason: 'none' },
      { header: '*', index: 3, key: null, confidence: 0, reason: 'none' },
    ]);
  });

  it('gives a key to one header only: the best match wins, the loser takes its next-best or nothing', () => {
    // "Gebruikerscode" (alias) loses userCode to "User Code" (exact), and has nothing else.
    expect(suggestMapping(['Gebruikerscode', 'User Code'], COLUMNS).map((s) => [s.key, s.reason])).toEqual([
      [null, 'none'],
      ['userCode', 'exact'],
    ]);
    // Equal matches: the left-most wins.
    expect(keysOf(['Email', 'email*', 'EMAIL'])).toEqual(['email', null, null]);
    // A loser falls back to its next-best free column.
    const columns = [column('name', 'Name', ['Naam']), column('fullName', 'Full Name', ['Naam'])];
    expect(keysOf(['Naam', 'Name'], columns)).toEqual(['fullName', 'name']);
    // "Auto Number" holds "Number" as words, but its own exact column wins, leaving Number to "Nummer".
    expect(keysOf(['Auto Number', 'Nummer'])).toEqual(['autoNumber', 'number']);
  });

  it('gives two columns with the same header text one key only', () => {
    expect(suggestMapping(['Name', 'Name'], [column('name', 'Name')]).map((s) => [s.index, s.key])).toEqual([
      [0, 'name'],
      [1, null],
    ]);
  });

  it('lets a remembered mapping win for the headers it covers', () => {
    const remembered: ColumnMapping = { Code: 'definitionCode', 'User Code': null, Personeelsnummer: 'userCode' };
    const suggestions = suggestMapping(['User Code', 'Code', 'personeels nummer', 'Email'], COLUMNS, remembered);
    expect(suggestions.map((s) => [s.key, s.reason, s.confidence])).toEqual([
      [null, 'remembered', 1],
      ['definitionCode', 'remembered', 1],
      ['userCode', 'remembered', 1],
      ['email', 'exact', 1],
    ]);
  });

  it('ignores a remembered key that no longer exists, and matches that header afresh', () => {
    const suggestions = suggestMapping(['Gebruikerscode', 'Email'], COLUMNS, { Gebruikerscode: 'linkingCode', Email: 'email' });
    expect(suggestions.map((s) => [s.key, s.reason])).toEqual([
      ['userCode', 'alias'],
      ['email', 'remembered'],
    ]);
  });

  it('is deterministic', () => {
    const headers = ['Naam', 'E-mail', 'Email address', 'Date', 'Datum behaald', 'Number', 'Nummer', 'Code'];
    const first = JSON.stringify(suggestMapping(headers, COLUMNS));
    for (let i = 0; i < 5; i++) expect(JSON.stringify(suggestMapping(headers, COLUMNS))).toBe(first);
  });

  it('does no fuzzy work on headers longer than any real one (a hostile header row)', () => {
    // The name is there as a word, but a 5,000-character header is not a header: no match.
    const long = `Email ${'x'.repeat(5000)}`;
    const headers = Array.from({ length: 256 }, () => long);
    expect(suggestMapping(headers, COLUMNS).every((s) => s.key === null)).toBe(true);
    // Typos of long names still match below the limit.
    expect(keysOf([`Email ${'x'.repeat(80)}`])).toEqual(['email']);
  });

  it('is not fooled by headers named after object properties', () => {
    expect(keysOf(['constructor', '__proto__', 'toString'], COLUMNS, {})).toEqual([null, null, null]);
  });
});

describe('mappingIsComplete and unmappedMandatory', () => {
  it('needs a key for every mandatory column', () => {
    const partial = suggestMapping(['Email', 'Gebruikerscode'], COLUMNS);
    expect(mappingIsComplete(partial, COLUMNS)).toBe(false);
    expect(unmappedMandatory(partial, COLUMNS).map((c) => c.key)).toEqual(['definitionCode']);
    const full = suggestMapping(['Email', 'Gebruikerscode', 'Certificaatdefinitiecode'], COLUMNS);
    expect(mappingIsComplete(full, COLUMNS)).toBe(true);
  });

  it('reads a mapping object too', () => {
    expect(unmappedMandatory({ Mail: 'email', Code: null }, COLUMNS).map((c) => c.key)).toEqual(['userCode', 'definitionCode']);
    expect(unmappedMandatory({ Mail: 'email', Code: 'userCode', Def: 'definitionCode' }, COLUMNS)).toEqual([]);
  });
});

describe('checkMapping', () => {
  const headers = ['Mail', 'Personeelsnummer', 'Certificaat', 'Opmerking'];
  const good: ColumnMapping = { Mail: 'email', Personeelsnummer: 'userCode', Certificaat: 'definitionCode', Opmerking: null };

  it('accepts a complete mapping, with skipped and absent headers', () => {
    expect(checkMapping(headers, good, COLUMNS)).toEqual([]);
    const { Opmerking: _, ...withoutRemark } = good;
    expect(checkMapping(headers, withoutRemark, COLUMNS)).toEqual([]);
  });

  it('looks headers up by exact text first, then by comparable form', () => {
    expect(checkMapping(headers, { mail: 'email', 'PERSONEELS-NUMMER': 'userCode', 'Certificaat*': 'definitionCode' }, COLUMNS)).toEqual([]);
    const map = indexByKey(headers, { mail: 'email', 'PERSONEELS-NUMMER': 'userCode', 'Certificaat*': 'definitionCode' });
    expect([...map]).toEqual([
      ['email', 0],
      ['userCode', 1],
      ['definitionCode', 2],
    ]);
    // "Name" names only the header spelled exactly so; "NAME" is left to its own entry.
    const twoSpellings = ['Name', 'NAME'];
    const columns = [column('first', 'First'), column('last', 'Last')];
    expect(checkMapping(twoSpellings, { Name: 'first', NAME: 'last' }, columns)).toEqual([]);
    expect(checkMapping(twoSpellings, { Name: 'first' }, columns)).toEqual([]);
  });

  it('reports a header that is not in the file', () => {
    const problems = checkMapping(headers, { ...good, Afdeling: null }, COLUMNS);
    expect(problems).toEqual([
      { code: 'IMPORTS.MAPPING_UNKNOWN_HEADER', params: { header: 'Afdeling', found: 'Mail, Personeelsnummer, Certificaat, Opmerking' }, header: 'Afdeling' },
    ]);
  });

  it('reports a key that is not among the columns (unknown, or one this admin may not import)', () => {
    const mayImport = COLUMNS.filter((c) => c.key !== 'number');
    const problems = checkMapping([...headers, 'Nr'], { ...good, Nr: 'number', Opmerking: 'remarks' }, mayImport);
    expect(codes(problems)).toEqual(['IMPORTS.MAPPING_UNKNOWN_COLUMN', 'IMPORTS.MAPPING_UNKNOWN_COLUMN']);
    expect(problems[0]).toMatchObject({ header: 'Opmerking', params: { header: 'Opmerking', column: 'remarks' } });
    expect(problems[1]).toMatchObject({ header: 'Nr', params: { column: 'number' } });
  });

  it('refuses a key that is not a string (a hand-made JSON body)', () => {
    const problems = checkMapping(headers, { ...good, Opmerking: { $ne: null } as unknown as string }, COLUMNS);
    expect(problems).toEqual([expect.objectContaining({ code: 'IMPORTS.MAPPING_UNKNOWN_COLUMN', params: expect.objectContaining({ column: '{"$ne":null}' }) })]);
  });

  it('reports two headers sent to one key, naming both and the key', () => {
    const problems = checkMapping(headers, { ...good, Opmerking: 'email' }, COLUMNS);
    expect(problems).toEqual([
      {
        code: 'IMPORTS.MAPPING_DUPLICATE_KEY',
        params: { key: 'email', column: 'Email', header: 'Mail', position: 1, otherHeader: 'Opmerking', otherPosition: 4 },
        header: 'Opmerking',
      },
    ]);
  });

  it('maps every column with a repeated header text, so mapping that text to a key is a duplicate', () => {
    const repeated = ['Name', 'Email', 'Name'];
    const columns = [column('name', 'Name'), column('email', 'Email', [], true)];
    const problems = checkMapping(repeated, { Name: 'name', Email: 'email' }, columns);
    expect(problems).toEqual([expect.objectContaining({ code: 'IMPORTS.MAPPING_DUPLICATE_KEY', params: expect.objectContaining({ position: 1, otherPosition: 3 }) })]);
    // Skipping the text skips both.
    expect(checkMapping(repeated, { Name: null, Email: 'email' }, columns)).toEqual([]);
  });

  it('reports the mandatory columns no header feeds, by their headers', () => {
    const problems = checkMapping(headers, { Mail: 'email' }, COLUMNS);
    expect(problems).toEqual([
      { code: 'IMPORTS.MISSING_COLUMNS', params: { columns: 'User Code, Certificate Definition Code', found: 'Mail, Personeelsnummer, Certificaat, Opmerking' } },
    ]);
    // A key sent to an unknown header does not count as mapped.
    expect(codes(checkMapping(headers, { ...good, Mial: 'email', Mail: null }, COLUMNS))).toEqual(['IMPORTS.MAPPING_UNKNOWN_HEADER', 'IMPORTS.MISSING_COLUMNS']);
  });

  it('refuses a mapping that maps none of a group of columns of which one is needed', () => {
    const columns = [{ ...column('id', 'Credential ID'), mandatoryOneOf: 'match' }, { ...column('email', 'Recipient Email'), mandatoryOneOf: 'match' }, column('grade', 'Grade')];
    expect(checkMapping(['Grade', 'Mail'], { Grade: 'grade', Mail: null }, columns)).toEqual([
      { code: 'IMPORTS.MISSING_ONE_OF_COLUMNS', params: { columns: 'Credential ID, Recipient Email', found: 'Grade, Mail' } },
    ]);
    expect(checkMapping(['Grade', 'Mail'], { Grade: 'grade', Mail: 'email' }, columns)).toEqual([]);
  });

  it('refuses entries that name one header in different spellings with different keys', () => {
    const problems = checkMapping(['Code'], { CODE: 'userCode', code: 'definitionCode' }, [column('userCode', 'User Code'), column('definitionCode', 'Definition Code')]);
    expect(problems).toEqual([{ code: 'IMPORTS.MAPPING_AMBIGUOUS_HEADER', params: { header: 'Code', position: 1 }, header: 'Code' }]);
  });

  it('is not fooled by headers named after object properties', () => {
    const columns = [column('email', 'Email', [], true)];
    expect(codes(checkMapping(['constructor', '__proto__', 'Email'], { Email: 'email' }, columns))).toEqual([]);
    expect(codes(checkMapping(['constructor', 'Email'], { constructor: 'email' }, columns))).toEqual([]);
    expect(codes(checkMapping(['Email'], JSON.parse('{"__proto__": "email", "Email": "email"}') as ColumnMapping, columns))).toEqual(['IMPORTS.MAPPING_UNKNOWN_HEADER']);
  });

  it('keeps messages short when the input is huge', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `Header ${i} ${'x'.repeat(500)}`);
    const [problem] = checkMapping(many, { ['y'.repeat(10_000)]: null }, []);
    expect(problem.code).toBe('IMPORTS.MAPPING_UNKNOWN_HEADER');
    expect(String(problem.params.header).length).toBeLessThanOrEqual(101);
    expect(String(problem.params.found).length).toBeLessThan(3000);
    expect(String(problem.params.found)).toContain('(4980 more)');
  });

  it('has English and Dutch texts that say what to do', () => {
    const problems = [
      ...checkMapping(headers, { ...good, Afdeling: null, Opmerking: 'remarks' }, COLUMNS),
      ...checkMapping(headers, { Mail: 'email', Opmerking: 'email' }, COLUMNS),
      ...checkMapping(['Code'], { CODE: 'userCode', code: 'email' }, COLUMNS),
    ];
    expect(new Set(codes(problems)).size).toBe(5);
    for (const problem of problems) {
      for (const language of ['en', 'nl'] as const) {
        const text = translate(problem.code, language, problem.params);
        expect(text, `${problem.code} ${language}`).not.toBe(problem.code);
        expect(text, `${problem.code} ${language}`).not.toMatch(/\{\w+\}/);
      }
    }
    expect(translate('IMPORTS.MISSING_COLUMNS', 'en', { columns: 'User Code', found: 'Mail' })).toContain('Map a column');
  });
});

describe('headerSignature', () => {
  it('does not depend on order, case, accents, spacing, empty or repeated headers', () => {
    const signature = headerSignature(['Email', 'Gebruikerscode', 'Behaaldatum']);
    expect(headerSignature(['Behaaldatum', 'email', '', 'Gebruikers code', '  ', 'EMAIL'])).toBe(signature);
    expect(headerSignature(['Bèhaaldatum*', 'E-mail', 'Gebruikerscode'])).toBe(signature);
    expect(headerSignature(['Email', 'Gebruikerscode', 'Vervaldatum'])).not.toBe(signature);
    expect(headerSignature(['Email', 'Gebruikerscode'])).not.toBe(signature);
  });

  it('is stable across runs and releases (a stored signature must keep matching)', () => {
    expect(headerSignature(['Email', 'User Code'])).toBe(headerSignature(['User Code', 'Email']));
    expect(headerSignature(['Email', 'User Code'])).toMatch(/^[0-9a-f]{64}$/);
    // Pinned: changing comparableHeader or the hash invalidates every remembered mapping.
    expect(headerSignature(['Email', 'User Code'])).toBe('9f10752b86d6c7518e30060f8d4edb75d80802848997f1548cc88b61e00d2fb5');
  });

  it('does not let two header sets collide by joining', () => {
    expect(headerSignature(['ab', 'c'])).not.toBe(headerSignature(['a', 'bc']));
  });
});

describe('columns with a refusal', () => {
  const refused: ImportColumn = { ...column('profile.birthday', 'Birthday', [], true), refusal: { code: 'TYPE.NOT_IMPORTABLE', params: { field: 'Birthday' } } };
  const columns = [column('email', 'Email', [], true), refused];

  it('are never suggested nor missing', () => {
    expect(keysOf(['Email', 'Birthday'], columns)).toEqual(['email', null]);
    expect(unmappedMandatory({ Email: 'email' }, columns)).toEqual([]);
  });

  it('are refused with their own message when a mapping names them', () => {
    expect(checkMapping(['Email', 'Birthday'], { Email: 'email', Birthday: 'profile.birthday' }, columns)).toEqual([
      { code: 'TYPE.NOT_IMPORTABLE', params: { field: 'Birthday', header: 'Birthday', column: 'profile.birthday' }, header: 'Birthday' },
    ]);
    expect(checkMapping(['Email', 'Birthday'], { Email: 'email', Birthday: null }, columns)).toEqual([]);
  });
});
