import { describe, expect, it } from 'vitest';
import { negotiateLanguage, registerMessages, translate } from './i18n.js';

describe('i18n', () => {
  registerMessages({ en: { 'TEST.HELLO': 'Hello {name}' }, nl: { 'TEST.HELLO': 'Hallo {name}' } });

  it('translates with parameters and falls back to English, then to the key', () => {
    expect(translate('TEST.HELLO', 'nl', { name: 'Anna' })).toBe('Hallo Anna');
    registerMessages({ en: { 'TEST.ONLY_EN': 'Only English' }, nl: {} });
    expect(translate('TEST.ONLY_EN', 'nl')).toBe('Only English');
    expect(translate('TEST.UNKNOWN', 'nl')).toBe('TEST.UNKNOWN');
  });

  it('words an enum value per language with {name@PREFIX}, falling back to the value', () => {
    registerMessages({
      en: { 'TEST.STATE': 'It is {state@TEST.STATES}.', 'TEST.STATES.done': 'done' },
      nl: { 'TEST.STATE': 'Het is {state@TEST.STATES}.', 'TEST.STATES.done': 'klaar' },
    });
    expect(translate('TEST.STATE', 'nl', { state: 'done' })).toBe('Het is klaar.');
    expect(translate('TEST.STATE', 'en', { state: 'done' })).toBe('It is done.');
    expect(translate('TEST.STATE', 'nl', { state: 'odd' })).toBe('Het is odd.');
    expect(translate('TEST.STATE', 'nl')).toBe('Het is {state@TEST.STATES}.');
  });

  it('negotiates Accept-Language by quality', () => {
    expect(negotiateLanguage('nl-NL,nl;q=0.9,en;q=0.8')).toBe('nl');
    expect(negotiateLanguage('fr-FR, en;q=0.5')).toBe('en');
    expect(negotiateLanguage('fr')).toBeUndefined();
    expect(negotiateLanguage('en;q=0.2, nl;q=0.7')).toBe('nl');
    expect(negotiateLanguage(undefined)).toBeUndefined();
  });
});
