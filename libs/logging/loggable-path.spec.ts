import { describe, expect, it } from 'vitest';
import { loggablePath } from './loggable-path.js';
import { redactText } from './redact.js';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';

describe('loggable paths', () => {
  it('hides the review token in the path and its sub-paths', () => {
    expect(loggablePath(`/review/${TOKEN}`)).toBe('/review/:token');
    expect(loggablePath(`/review/${TOKEN}/certificate.pdf`)).toBe('/review/:token/certificate.pdf');
  });

  it('drops the query string (set-password tokens, tickets)', () => {
    expect(loggablePath('/set-password?token=s3cr3t&x=1')).toBe('/set-password');
    expect(loggablePath(`/review/${TOKEN}?action=validate`)).toBe('/review/:token');
  });

  it('keeps other paths as they are', () => {
    expect(loggablePath('/api/external-certificates/123')).toBe('/api/external-certificates/123');
    expect(loggablePath(undefined)).toBe('');
  });

  it('is also applied to every text that goes into a log', () => {
    expect(redactText(`Cannot POST https://cit.example/review/${TOKEN} failed`)).not.toContain(TOKEN);
  });
});
