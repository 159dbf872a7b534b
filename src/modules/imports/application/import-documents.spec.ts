import { describe, expect, it } from 'vitest';
import '../domain/messages.js';
import { outcomeText } from './import-documents.js';

describe('the Outcome of a row in the results file', () => {
  it('translates the statuses the engine writes, in English and Dutch', () => {
    expect(['succeeded', 'failed', 'skipped'].map((s) => outcomeText(s, 'en'))).toEqual(['Succeeded', 'Failed', 'Skipped']);
    expect(['succeeded', 'failed', 'skipped'].map((s) => outcomeText(s, 'nl'))).toEqual(['Gelukt', 'Mislukt', 'Overgeslagen']);
  });

  it('reads any status through IMPORTS.ROW_STATUS_<STATUS>, so a new one such as valid works once its text exists', () => {
    expect(outcomeText('valid', 'en')).toBe('Valid (not run yet)');
    expect(outcomeText('valid', 'nl')).toBe('Geldig (nog niet uitgevoerd)');
  });

  it('shows a status without text as it is, never a message key, and does not build keys from odd text', () => {
    expect(outcomeText('queued_again', 'en')).toBe('queued_again');
    expect(outcomeText('NO_FAILED_ROWS', 'en')).toBe('NO_FAILED_ROWS');
    expect(outcomeText('', 'nl')).toBe('');
  });
});
