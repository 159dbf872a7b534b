import { describe, expect, it } from 'vitest';
import { loadCredentials } from './credentials';

const credential = { id: 'c1', groupName: 'Forklift course', recipientName: 'Lars Bakker', recipientEmail: 'lars@example.com', issuedOn: '2026-01-15', expiresOn: null, grade: null, status: 'active' };

/** A stand-in for the openapi-fetch client: answers one GET and records what was asked. */
const client = (status: number, body: unknown) => {
  const asked: { path: string; init?: unknown }[] = [];
  return {
    asked,
    GET(path: string, init?: unknown) {
      asked.push({ path, init });
      if (body instanceof Error) return Promise.reject(body);
      const response = new Response(null, { status });
      return Promise.resolve(status >= 400 ? { error: body, response } : { data: body, response });
    },
  };
};

describe('W3: credentials of a user', () => {
  it('reads your own from /api/me/credentials (a list)', async () => {
    const api = client(200, [credential]);
    await expect(loadCredentials(api, { self: true })).resolves.toEqual({ available: true, items: [credential], total: 1 });
    expect(api.asked).toEqual([{ path: '/api/me/credentials', init: undefined }]);
  });

  it("reads someone else's by email address from /api/credentials (a page)", async () => {
    const api = client(200, { items: [credential], meta: { page: 1, pageSize: 100, total: 7 } });
    await expect(loadCredentials(api, { self: false, email: 'lars@example.com' })).resolves.toEqual({ available: true, items: [credential], total: 7 });
    expect(api.asked[0]).toEqual({ path: '/api/credentials', init: { params: { query: { email: 'lars@example.com', pageSize: 100 } } } });
  });

  it('says the API is missing on 404 or a non-JSON answer, and not allowed on 403; other failures are thrown', async () => {
    await expect(loadCredentials(client(404, { code: 'COMMON.NOT_FOUND' }), { self: true })).resolves.toEqual({ available: false, reason: 'missing' });
    await expect(loadCredentials(client(200, new SyntaxError('Unexpected token <')), { self: true })).resolves.toEqual({ available: false, reason: 'missing' });
    await expect(loadCredentials(client(403, { code: 'AUTH.FORBIDDEN' }), { self: false, email: 'x@example.com' })).resolves.toEqual({ available: false, reason: 'forbidden' });
    await expect(loadCredentials(client(500, { code: 'COMMON.INTERNAL_ERROR', detail: 'boom' }), { self: true })).rejects.toMatchObject({ status: 500, detail: 'boom' });
  });
});
