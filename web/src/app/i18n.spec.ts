import { describe, expect, it } from 'vitest';
import { allMessages, asLanguage, format } from './i18n';
import { shellMessages } from './messages';

describe('i18n', () => {
  it('fills {name} placeholders and leaves unknown ones visible', () => {
    expect(format('{count} rows in {file}', { count: 3, file: 'a.csv' })).toBe('3 rows in a.csv');
    expect(format('Hello {name}', {})).toBe('Hello {name}');
  });

  it('maps language tags to the languages the app speaks', () => {
    expect(asLanguage('nl-BE')).toBe('nl');
    expect(asLanguage('EN')).toBe('en');
    expect(asLanguage('de')).toBeUndefined();
    expect(asLanguage(undefined)).toBeUndefined();
  });

  it('has every shell text in both languages, none empty, with the same placeholders', () => {
    expect(allMessages()).toContain(shellMessages);
    for (const dictionary of allMessages()) {
      expect(Object.keys(dictionary.nl).sort()).toEqual(Object.keys(dictionary.en).sort());
      for (const key of Object.keys(dictionary.en)) {
        const en = dictionary.en[key]!;
        const nl = dictionary.nl[key]!;
        expect(en.trim(), key).not.toBe('');
        expect(nl.trim(), key).not.toBe('');
        const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(placeholders(nl), key).toEqual(placeholders(en));
      }
    }
  });
});
