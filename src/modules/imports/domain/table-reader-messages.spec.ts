import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasMessage, translate } from '#libs/i18n/i18n.js';
import { TABLE_READER_MESSAGES } from './messages.js';
import './sheet-and-availability-messages.js';

/** Every SPREADSHEET.* and XML.* code the table readers raise has an English and a Dutch text. */
describe('table reader messages', () => {
  const libDir = join(import.meta.dirname, '../../../../libs/spreadsheet');
  const used = new Set(
    readdirSync(libDir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .flatMap((name) => readFileSync(join(libDir, name), 'utf8').match(/'(?:SPREADSHEET|XML)\.[A-Z_0-9]+'/g) ?? [])
      .map((code) => code.slice(1, -1)),
  );
  const placeholders = (text: string) => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();

  it('covers every code raised in libs/spreadsheet, in both languages', () => {
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((code) => !hasMessage(code, 'en') || !hasMessage(code, 'nl'))).toEqual([]);
  });

  it('has the same keys and placeholders in English and Dutch', () => {
    expect(Object.keys(TABLE_READER_MESSAGES.nl).sort()).toEqual(Object.keys(TABLE_READER_MESSAGES.en).sort());
    for (const [key, text] of Object.entries(TABLE_READER_MESSAGES.en)) {
      expect([key, placeholders(TABLE_READER_MESSAGES.nl[key as keyof typeof TABLE_READER_MESSAGES.nl])]).toEqual([key, placeholders(text)]);
    }
  });

  it('names the place of an XML refusal', () => {
    expect(translate('XML.UNKNOWN_FIELD', 'nl', { element: 'email', record: 2, line: 5, expected: 'code, name' })).toBe(
      'Record 2 (regel 5) bevat een element <email> dat deze import niet kent. Toegestaan zijn: code, name. Verwijder of hernoem dat element en upload opnieuw.',
    );
  });
});
