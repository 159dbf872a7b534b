import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypesSource, buildOpenApiDocument } from '../../scripts/api-types.js';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The web app's API types (web/src/api/schema.d.ts) are generated from the OpenAPI document. When the API changes
 * (a renamed field, a new endpoint) and nobody ran `npm run api:types`, this fails: the app would otherwise be
 * typed against an API that no longer exists, and the break would show in a browser instead of in CI.
 */
describe('web app API types', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ seed: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('are generated from the same document the running product serves', async () => {
    const served = await new Http(app.url).get('/api/docs-json');
    expect(served.status).toBe(200);
    expect(await buildOpenApiDocument()).toEqual(served.body);
  });

  it(`are up to date: ${API_TYPES_FILE} is what \`npm run api:types\` generates now`, async () => {
    const committed = readFileSync(join(process.cwd(), API_TYPES_FILE), 'utf8');
    const current = await apiTypesSource(await buildOpenApiDocument());
    if (committed !== current) {
      const a = committed.split('\n');
      const b = current.split('\n');
      const line = a.findIndex((text, index) => text !== b[index]);
      throw new Error(
        `${API_TYPES_FILE} is stale: the API's OpenAPI document changed. Run \`npm run api:types\` and commit the file.\n` +
          `First difference at line ${line + 1}:\n  committed: ${a[line] ?? '(end of file)'}\n  generated: ${b[line] ?? '(end of file)'}`,
      );
    }
  });

  it('would notice a renamed field', async () => {
    const document = await buildOpenApiDocument();
    const me = (document.components!.schemas!.MeDto as { properties: Record<string, unknown>; required: string[] });
    me.properties.name = me.properties.displayName;
    delete me.properties.displayName;
    me.required = me.required.map((field) => (field === 'displayName' ? 'name' : field));
    const renamed = await apiTypesSource(document);
    expect(renamed).not.toBe(readFileSync(join(process.cwd(), API_TYPES_FILE), 'utf8'));
    expect(renamed).toMatch(/\bname: string;/);
  });
});
