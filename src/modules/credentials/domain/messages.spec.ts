import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_IMPORT_MESSAGES } from './credential-import-messages.js';
import { CREDENTIALS_MESSAGES } from './messages.js';

/** Every CREDENTIALS.* code raised anywhere in the module has an English and a Dutch text. */
describe('credentials messages', () => {
  const moduleDir = join(import.meta.dirname, '..');
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
    );
  const used = new Set(sources(moduleDir).flatMap((file) => readFileSync(file, 'utf8').match(/'CREDENTIALS\.[A-Z_]+'/g) ?? []).map((s) => s.slice(1, -1)));

  it('has the same keys in English and Dutch', () => {
    expect(Object.keys(CREDENTIALS_MESSAGES.nl).sort()).toEqual(Object.keys(CREDENTIALS_MESSAGES.en).sort());
  });

  it('covers every code the module raises', () => {
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((code) => !(code in CREDENTIALS_MESSAGES.en) && !(code in CREDENTIAL_IMPORT_MESSAGES.en));
    expect(missing).toEqual([]);
  });
});
