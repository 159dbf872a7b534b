import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Tokens end when they should: API tokens only from a signed-in session and always with an expiry;
 * a password change (only by the user, with the current password) ends every session and API token
 * and is announced by mail over real SMTP.
 */
describe('tokens and passwords (HTTP, real Postgres/Redis/SMTP)', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let groupAdmin: Http;
  const DAY = 86_400_000;

  const userId = async (email: string) => ((await admin.get(`/api/users?search=${encodeURIComponent(email)}`)).body.items[0] as { id: string }).id;

  beforeAll(async () => {
    app = await startTestApp({ env: { API_TOKEN_DEFAULT_TTL_DAYS: '90', API_TOKEN_MAX_TTL_DAYS: '365' } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
    groupAdmin = await http.login('groupadmin@example.com');
  });
  afterAll(() => app?.close());

  describe('API tokens', () => {
    it('cannot be created with an API token, only from a signed-in session', async () => {
      const first = await admin.post('/api/auth/api-tokens', { name: 'HR sync' });
      expect(first.status).toBe(201);
      const integration = http.as(first.body.token);
      expect((await integration.get('/api/auth/me')).status).toBe(200);
      const minted = await integration.post('/api/auth/api-tokens', { name: 'successor' });
      expect(minted.status).toBe(403);
      expect(minted.body.code).toBe('USERS.SIGNED_IN_SESSION_REQUIRED');
      const [{ count }] = await app.sql<{ count: string }>(`select count(*) from api_tokens where name = 'successor'`);
      expect(Number(count)).toBe(0);
    });

    it('expire after the default lifetime, or a requested one within the maximum', async () => {
      const byDefault = await admin.post('/api/auth/api-tokens', { name: 'default' });
      expect(Math.abs(Date.parse(byDefault.body.expiresAt) - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
      const short = await admin.post('/api/auth/api-tokens', { name: 'short', expiresInDays: 7 });
      expect(Math.abs(Date.parse(short.body.expiresAt) - (Date.now() + 7 * DAY))).toBeLessThan(60_000);
      const tooLong = await admin.post('/api/auth/api-tokens', { name: 'forever', expiresInDays: 400 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.code).toBe('USERS.API_TOKEN_LIFETIME_TOO_LONG');
      expect(tooLong.body.params.maxDays).toBe(365);
      const [{ count }] = await app.sql<{ count: string }>(`select count(*) from api_tokens where expires_at is null`);
      expect(Number(count)).toBe(0);
    });

    it('are refused once expired', async () => {
      const issued = await admin.post('/api/auth/api-tokens', { name: 'about to expire', expiresInDays: 1 });
      const integration = http.as(issued.body.token);
      expect((await integration.get('/api/auth/me')).status).toBe(200);
      await app.sql(`update api_tokens set expires_at = now() - interval '1 second' where id = $1`, [issued.body.id]);
      const expired = await integration.get('/api/auth/me');
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('USERS.TOKEN_INVALID');
    });
  });

  describe('API tokens and a password change at the same moment', () => {
    it('refuse a token whose insert would land after the change revoked the others', async () => {
      const session = await http.login('leo@example.com');
      const leo = (await session.get('/api/auth/me')).body.userId as string;
      // A password change in progress, in the order the product uses: the account's row for update, the
      // revocation, the new token version, commit. The token request arrives between revocation and commit.
      const change = new pg.Client({ connectionString: app.database.url });
      await change.connect();
      try {
        await change.query('begin');
        await change.query('select 1 from users where id = $1 for update', [leo]);
        await change.query('update api_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [leo]);
        const issuing = session.post('/api/auth/api-tokens', { name: 'racing the password change' });
        await new Promise((resolve) => setTimeout(resolve, 500));
        await change.query('update users set token_version = token_version + 1 where id = $1', [leo]);
        await change.query('commit');
        const issued = await issuing;
        expect(issued.status).toBe(401);
        expect(issued.body.code).toBe('USERS.TOKEN_INVALID');
      } finally {
        await change.end();
      }
      const live = await app.sql('select id from api_tokens where user_id = $1 and revoked_at is null', [leo]);
      expect(live).toHaveLength(0);
    });
  });

  describe('signing out', () => {
    it("ends this session's token and what it opened, not the user's other sessions", async () => {
      const session = await http.login('admin@example.com');
      const otherSession = await http.login('admin@example.com');
      const opened = await session.post('/api/ops/queue-dashboard/session');
      expect(opened.status).toBe(200);
      const dashboardCookie = opened.headers.get('set-cookie')!.split(';')[0];
      expect((await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: dashboardCookie } })).status).toBe(200);

      expect((await session.post('/api/auth/logout')).status).toBe(204);
      expect((await session.get('/api/auth/me')).status).toBe(401);
      expect((await session.post('/api/auth/logout')).status).toBe(401);
      // The queue dashboard's cookie was bound to that token: it closes with it.
      expect((await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: dashboardCookie } })).status).toBe(401);
      expect((await otherSession.get('/api/auth/me')).status).toBe(200);

      // Kept only as long as the token could live (ACCESS_TOKEN_TTL_SECONDS, 3600 by default).
      const [revoked] = await app.sql<{ seconds: number }>(`select extract(epoch from expires_at - now())::int as seconds from revoked_access_tokens`);
      expect(revoked.seconds).toBeGreaterThan(3500);
      expect(revoked.seconds).toBeLessThanOrEqual(3600);
    });

    it('is for signed-in sessions: an API token is refused (and keeps working), no token is 401', async () => {
      const issued = await admin.post('/api/auth/api-tokens', { name: 'sign-out attempt' });
      const integration = http.as(issued.body.token);
      const refused = await integration.post('/api/auth/logout');
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('USERS.SIGNED_IN_SESSION_REQUIRED');
      expect((await integration.get('/api/auth/me')).status).toBe(200);
      expect((await http.post('/api/auth/logout')).status).toBe(401);
    });

    it('deletes the revocations of tokens that have expired since', async () => {
      await app.sql(`update revoked_access_tokens set expires_at = now() - interval '1 second'`);
      const session = await http.login('groupadmin@example.com');
      expect((await session.post('/api/auth/logout')).status).toBe(204);
      const rows = await app.sql<{ user_id: string }>(`select user_id from revoked_access_tokens`);
      expect(rows.map((row) => row.user_id)).toEqual([await userId('groupadmin@example.com')]);
    });
  });

  describe('passwords', () => {
    it('are never set by an admin for another user, whatever their scope', async () => {
      const lena = await userId('lena@example.com');
      const byAdmin = await admin.patch(`/api/users/${lena}`, { password: 'admin-chosen-password' });
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.code).toBe('USERS.PASSWORD_RESET_LINK_REQUIRED');
      expect(byAdmin.body.title).toContain('reset link');
      const byGroupAdmin = await groupAdmin.patch(`/api/users/${lena}`, { password: 'group-admin-chosen' });
      expect(byGroupAdmin.status).toBe(403);
      expect((await http.post('/api/auth/login', { email: 'lena@example.com', password: 'admin-chosen-password' })).status).toBe(401);
      // Their own: only with the current password, through the dedicated endpoint.
      const me = (await admin.get('/api/auth/me')).body.userId as string;
      const own = await admin.patch(`/api/users/${me}`, { password: 'without-the-current' });
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('USERS.OWN_PASSWORD_NEEDS_CURRENT');
    });

    it('change with the current password, end every session and API token, and send a mail', async () => {
      const sessionA = await http.login('lars@example.com');
      const sessionB = await http.login('lars@example.com');
      const token = await sessionA.post('/api/auth/api-tokens', { name: 'lars script' });
      expect(token.status).toBe(201);
      const integration = http.as(token.body.token);

      const viaApiToken = await integration.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'lars-new-password-1' });
      expect(viaApiToken.status).toBe(403);
      expect(viaApiToken.body.code).toBe('USERS.SIGNED_IN_SESSION_REQUIRED');
      const wrong = await sessionA.post('/api/auth/password', { currentPassword: 'not-my-password', newPassword: 'lars-new-password-1' });
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('USERS.CURRENT_PASSWORD_WRONG');
      expect((await sessionB.get('/api/auth/me')).status).toBe(200);

      const changed = await sessionA.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'lars-new-password-1' });
      expect(changed.status).toBe(200);
      expect(changed.body.accessToken).toBeTruthy();
      for (const ended of [sessionA, sessionB, integration]) {
        const response = await ended.get('/api/auth/me');
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('USERS.TOKEN_INVALID');
      }
      expect((await http.as(changed.body.accessToken).get('/api/auth/me')).body.email).toBe('lars@example.com');
      expect((await http.post('/api/auth/login', { email: 'lars@example.com', password: 'demo-password-1' })).status).toBe(401);
      expect((await http.post('/api/auth/login', { email: 'lars@example.com', password: 'lars-new-password-1' })).status).toBe(200);
      const [row] = await app.sql<{ revoked_at: Date | null }>('select revoked_at from api_tokens where id = $1', [token.body.id]);
      expect(row.revoked_at).not.toBeNull();

      const mail = await app.mail.waitFor((m) => m.envelopeTo.includes('lars@example.com'));
      expect(mail.subject).toMatch(/password .* was changed|wachtwoord .* is gewijzigd/);
      expect(mail.text).toMatch(/Lars/);
    });

    it('refuse a new password that is too short, changing nothing', async () => {
      const session = await http.login('lotte@example.com');
      const response = await session.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'short' });
      expect(response.status).toBe(400);
      expect((await session.get('/api/auth/me')).status).toBe(200);
    });
  });
});
