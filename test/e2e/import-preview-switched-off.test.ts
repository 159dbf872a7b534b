import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * An import whose type is switched off between the upload and its preview fails there, before its file
 * is read: an API process takes the upload, and the worker that reads it starts only after the switch.
 */
describe('an import type switched off before the preview', () => {
  const queuePrefix = `cit_preview_off_${Date.now()}`;
  let api: TestApp;
  let worker: TestApp | undefined;

  beforeAll(async () => {
    api = await startTestApp({ env: { ROLE: 'api', QUEUE_PREFIX: queuePrefix, IMPORT_TEST_TYPES: 'true' } });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
  });

  it('fails with IMPORTS.TYPE_SWITCHED_OFF and no preview', async () => {
    const admin = await new Http(api.url).login('admin@example.com');
    const id = await startImport(admin, 'test-records', 'records.csv', csv(['Code', 'Name'], [['A-1', 'first']]), { autoConfirm: 'false' });
    expect((await admin.put('/api/settings/testing.test-records-import', { value: false })).status).toBe(200);

    worker = await startTestApp({ database: api.database, mailCatcher: api.mail, seed: false, env: { ROLE: 'worker', QUEUE_PREFIX: queuePrefix, DATA_DIR: api.dataDir, IMPORT_TEST_TYPES: 'true' } });
    const ended = await finished(admin, id);
    expect(ended.status).toBe('failed');
    expect(ended.failure).toMatchObject({ code: 'IMPORTS.TYPE_SWITCHED_OFF' });
    expect(ended.preview ?? null).toBeNull();
  });
});
