import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('import limits against hostile files', () => {
  it('default to 256 columns, 1 MiB rows, 1 MiB chunk payloads and 48 MiB of shared strings', () => {
    expect(loadConfig({}, cwd()).imports).toMatchObject({ maxColumns: 256, maxRowBytes: 1024 ** 2, chunkMaxBytes: 1024 ** 2, xlsxMaxSharedStringsBytes: 48 * 1024 ** 2 });
  });

  it('are read from the environment and refused when out of range', () => {
    const env = { IMPORT_MAX_COLUMNS: '40', IMPORT_MAX_ROW_BYTES: '65536', IMPORT_CHUNK_MAX_BYTES: '262144', IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES: '1048576' };
    expect(loadConfig(env, cwd()).imports).toMatchObject({ maxColumns: 40, maxRowBytes: 65_536, chunkMaxBytes: 262_144, xlsxMaxSharedStringsBytes: 1_048_576 });
    let problems: string[] = [];
    try {
      loadConfig({ IMPORT_MAX_COLUMNS: '0', IMPORT_MAX_ROW_BYTES: '10', IMPORT_CHUNK_MAX_BYTES: 'lots' }, cwd());
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/IMPORT_MAX_COLUMNS must be a whole number between 1 and 16384/);
    expect(problems.join('\n')).toMatch(/IMPORT_MAX_ROW_BYTES/);
    expect(problems.join('\n')).toMatch(/IMPORT_CHUNK_MAX_BYTES/);
  });
});
