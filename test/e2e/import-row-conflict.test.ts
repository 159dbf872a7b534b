import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http } from '../support/http.js';
import { finished, rowsOf, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A row whose write hits a unique key another record holds is a conflict, not "already saved": only the
 * row's own earlier write (a chunk run again) may be skipped silently. The other writer is a trigger that,
 * just before the import inserts race@example.com, inserts a user with the same address: what a concurrent
 * admin does between the import's lookups and its write.
 */
describe('a unique-key conflict during a row write', () => {
  let app: TestApp;
  let admin: Http;

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_CHUNK_SIZE: '3' } });
    admin = await new Http(app.url).login('admin@example.com');
    await app.sql(`
      create function test_concurrent_user() returns trigger language plpgsql as $$
      begin
        if pg_trigger_depth() = 1 and lower(new.email) = 'race@example.com' then
          insert into users select * from jsonb_populate_record(null::users, to_jsonb(new) || jsonb_build_object('id', gen_random_uuid(), 'user_code', null));
        end if;
        return new;
      end $$`);
    await app.sql(`create trigger test_concurrent_user before insert on users for each row execute function test_concurrent_user()`);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('fails the row with the key named, and saves the rows around it', async () => {
    const file = csv(
      ['Email', 'First Name', 'Last Name'],
      [
        ['before@example.com', 'Bea', 'Before'],
        ['race@example.com', 'Rae', 'Race'],
        ['after@example.com', 'Abe', 'After'],
      ],
    );
    const id = await startImport(admin, 'users', 'race.csv', file);
    const done = await finished(admin, id);
    expect(done.counts, JSON.stringify(done)).toMatchObject({ failed: 1, skipped: 0 });
    const failedRows = await rowsOf(admin, id, 'failed');
    expect(failedRows.map((row) => [row.rowNumber, row.errors.map((error) => error.code)])).toEqual([[3, ['IMPORTS.ROW_CONFLICT']]]);
    expect(failedRows[0].errors[0].message).toContain('"email"');
    expect(await rowsOf(admin, id, 'skipped')).toEqual([]);
    expect((await rowsOf(admin, id)).filter((row) => row.status !== 'failed').map((row) => row.rowNumber)).toEqual([2, 4]);
  });
});
