import { describe, expect, it } from 'vitest';
import { importsMessages } from './messages';

describe('the import screens dictionary', () => {
  it('has every English key in Dutch, with the same placeholders', () => {
    const en = importsMessages.en as Record<string, string>;
    const nl = importsMessages.nl as Record<string, string>;
    expect(Object.keys(nl).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) expect(placeholders(nl[key]), key).toEqual(placeholders(en[key]));
  });
});
