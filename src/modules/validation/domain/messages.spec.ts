import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { translate } from '#libs/i18n/i18n.js';
import { VALIDATION_MESSAGES } from './messages.js';

const moduleRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('Validation messages', () => {
  it('has an English and a Dutch text for every code, and the same codes in both', () => {
    expect(Object.keys(VALIDATION_MESSAGES.nl).sort()).toEqual(Object.keys(VALIDATION_MESSAGES.en).sort());
    for (const text of [...Object.values(VALIDATION_MESSAGES.en), ...Object.values(VALIDATION_MESSAGES.nl)]) expect(text.trim().length).toBeGreaterThan(0);
  });

  it('has a text for every VALIDATION.* code the module raises', () => {
    const used = new Set(sources(moduleRoot).flatMap((path) => readFileSync(path, 'utf8').match(/'VALIDATION\.[A-Z_]+'/g) ?? []));
    expect(used.size).toBeGreaterThan(10);
    for (const code of used) expect(Object.keys(VALIDATION_MESSAGES.en), code).toContain(code.slice(1, -1));
  });

  it('speaks to the reader one way in Dutch (je, as the rest of the product), never u/uw', () => {
    for (const text of Object.values(VALIDATION_MESSAGES.nl)) expect(text).not.toMatch(/\b(u|uw|U|Uw)\b/);
  });

  it('words the state in the reader’s language', () => {
    expect(translate('VALIDATION.ALREADY_DECIDED', 'nl', { state: 'validated' })).toBe('Dit certificaat wacht niet meer op beoordeling (het is gevalideerd).');
    expect(translate('VALIDATION.ALREADY_DECIDED', 'en', { state: 'rejected' })).toBe('This certificate is no longer waiting for review (it is rejected).');
    for (const state of ['pending_review', 'validated', 'rejected', 'recorded']) {
      expect(translate('VALIDATION.ALREADY_DECIDED', 'nl', { state })).not.toContain(state);
    }
  });
});
