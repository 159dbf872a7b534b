import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('external certificates configuration', () => {
  it('defaults to 20 MB per PDF and a sweep every minute', () => {
    expect(loadConfig({}, cwd()).externalCertificates).toEqual({ maxBytes: 20 * 1024 * 1024, reviewSweepIntervalMs: 60_000 });
  });

  it('reads EXTERNAL_CERTIFICATE_MAX_BYTES and REVIEW_SWEEP_INTERVAL_MS (0 turns the sweep off)', () => {
    expect(loadConfig({ EXTERNAL_CERTIFICATE_MAX_BYTES: '65536', REVIEW_SWEEP_INTERVAL_MS: '0' }, cwd()).externalCertificates).toEqual({
      maxBytes: 65536,
      reviewSweepIntervalMs: 0,
    });
  });

  it('refuses values out of range at boot', () => {
    expect(() => loadConfig({ EXTERNAL_CERTIFICATE_MAX_BYTES: '10' }, cwd())).toThrow(/EXTERNAL_CERTIFICATE_MAX_BYTES/);
    expect(() => loadConfig({ EXTERNAL_CERTIFICATE_MAX_BYTES: 'lots' }, cwd())).toThrow(/EXTERNAL_CERTIFICATE_MAX_BYTES/);
    expect(() => loadConfig({ REVIEW_SWEEP_INTERVAL_MS: '-1' }, cwd())).toThrow(/REVIEW_SWEEP_INTERVAL_MS/);
  });
});
