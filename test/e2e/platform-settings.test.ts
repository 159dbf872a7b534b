import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, eventually } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SWITCH = 'testing.test-records-import';

describe('platform settings', () => {
  let app: TestApp;
  let admin: Http;

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_TEST_TYPES: 'true' } });
    admin = await new Http(app.url).login('admin@example.com');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a history query with the key twice (or too long) as 400, not 500', async () => {
    const twice = await admin.get(`/api/settings/history?key=${SWITCH}&key=other`);
    expect([twice.status, twice.body.code], JSON.stringify(twice.body)).toEqual([400, 'COMMON.VALIDATION_FAILED']);
    expect((await admin.get(`/api/settings/history?key=${'k'.repeat(201)}`)).status).toBe(400);
    expect((await admin.get(`/api/settings/history?key=${SWITCH}`)).status).toBe(200);
  });

  it('audits two simultaneous first changes of a setting in order: the second one\'s old value is the first one\'s new value', async () => {
    expect(await app.sql(`select 1 from platform_settings where key = $1`, [SWITCH])).toEqual([]);
    // Hold back every write to the settings until both changes have read what was there before them.
    const blocker = new pg.Client({ connectionString: app.database.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table platform_settings in share row exclusive mode');
      const changes = [admin.put(`/api/settings/${SWITCH}`, { value: false }), admin.put(`/api/settings/${SWITCH}`, { value: true })];
      await eventually(async () => {
        const [waiting] = await app.sql<{ count: string }>(
          `select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        );
        return Number(waiting.count) >= 2 || undefined;
      }, 10_000, 20);
      await blocker.query('commit');
      for (const change of await Promise.all(changes)) expect(change.status).toBe(200);
    } finally {
      await blocker.end();
    }
    const history = await admin.get(`/api/settings/history?key=${SWITCH}`);
    const [second, first] = history.body.items as { oldValue: unknown; newValue: unknown }[];
    expect(history.body.items).toHaveLength(2);
    expect(first.oldValue).toBeNull();
    expect(second.oldValue).toEqual(first.newValue);
  });
});
