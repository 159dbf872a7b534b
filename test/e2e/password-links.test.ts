import { CommandBus } from '@nestjs/cqrs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuePasswordLinkCommand, IssuePasswordLinksCommand, type PasswordLink, type PasswordLinkPurpose } from '#libs/contracts/users/index.js';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * One-time set-password links (welcome and reset mails) and "forgot password", through HTTP against the
 * running app. Links are issued the way Notifications does it: IssuePasswordLinkCommand on the app's bus.
 */
describe('set-password links and password reset (HTTP, real Postgres/Redis)', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let addressCounter = 0;

  const issue = (userId: string, purpose: PasswordLinkPurpose): Promise<PasswordLink | undefined> =>
    app.running.app.get(CommandBus).execute(new IssuePasswordLinkCommand(userId, purpose));
  const issueToken = async (userId: string, purpose: PasswordLinkPurpose) => {
    const link = await issue(userId, purpose);
    if (!link) throw new Error('no link issued');
    const url = new URL(link.url);
    expect(url.pathname).toBe('/account/set-password');
    return url.searchParams.get('token')!;
  };
  /** Each test its own client address (TRUST_PROXY=loopback trusts X-Forwarded-For from the test), so per-address limits do not mix. */
  const freshAddress = () => `198.51.100.${++addressCounter}`;
  const page = (token: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/account/set-password?token=${encodeURIComponent(token)}`, { headers: { 'x-forwarded-for': freshAddress(), ...headers } });
  const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshAddress(), ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const setPassword = (token: string, password: string, confirmation = password) => postForm('/account/set-password', { token, password, confirmation });
  const login = (email: string, password: string) => http.withHeaders({ 'x-forwarded-for': freshAddress() }).post('/api/auth/login', { email, password });
  const createUser = async (email: string, language = 'en') => {
    // No welcome mail: its link (issued when the mail is sent) would end the links these tests issue themselves.
    const created = await admin.post('/api/users', { email, firstName: 'Test', lastName: email.split('@')[0], language, sendWelcomeMail: false });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const userState = (userId: string) =>
    app.sql('select password_hash, token_version, updated_at from users where id = $1', [userId]);
  const linkRows = (userId: string) =>
    app.sql('select id, purpose, used_at, ended_at, expires_at from password_links where user_id = $1 order by created_at', [userId]);
  const resetEvents = (userId: string) =>
    app.sql(`select id from outbox_messages where event_type = 'users.password-reset-requested.v1' and payload->>'userId' = $1`, [userId]);

  beforeAll(async () => {
    app = await startTestApp({ env: { PASSWORD_RESET_MAX_PER_ADDRESS: '3', PASSWORD_RESET_MIN_INTERVAL_MINUTES: '10' } });
    http = new Http(app.url);
    admin = await http.login('admin@example.com');
  });
  afterAll(() => app?.close());

  describe('the set-password page', () => {
    it('GET shows the form with a strict policy and no script, and changes nothing (twice)', async () => {
      const userId = await createUser('welcome-get@example.com');
      const token = await issueToken(userId, 'welcome');
      const before = { user: await userState(userId), links: await linkRows(userId) };
      for (let i = 0; i < 2; i++) {
        const response = await page(token);
        expect(response.status).toBe(200);
        const html = await response.text();
        expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
        expect(html).toContain('<form method="post" action="/account/set-password">');
        expect(html).toContain(`<input type="hidden" name="token" value="${token}">`);
        expect(html).toMatch(/name="password" type="password"/);
        expect(html).toMatch(/name="confirmation" type="password"/);
        expect(html.toLowerCase()).not.toContain('<script');
        const csp = response.headers.get('content-security-policy')!;
        const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
        expect(directives.get('default-src')).toEqual(["'none'"]);
        expect(directives.get('form-action')).toEqual(["'self'"]);
        expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
        expect(directives.get('base-uri')).toEqual(["'none'"]);
        expect(directives.get('style-src')).toHaveLength(1);
        expect(directives.get('style-src')![0]).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).not.toContain('script-src');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
      }
      expect({ user: await userState(userId), links: await linkRows(userId) }).toEqual(before);
      expect(before.links).toHaveLength(1);
      expect(before.links[0]!.used_at).toBeNull();
      expect(before.user[0]!.password_hash).toBeNull();
    });

    it('speaks Dutch to a Dutch browser', async () => {
      const token = await issueToken(await createUser('welcome-nl@example.com'), 'welcome');
      const response = await page(token, { 'accept-language': 'nl-NL,nl;q=0.9' });
      const html = await response.text();
      expect(html).toContain('<html lang="nl">');
      expect(html).toContain('Stel je wachtwoord in');
    });

    it('POST sets the password once: sign-in works, a second POST and a GET show the dead-link page', async () => {
      const email = 'welcome-post@example.com';
      const userId = await createUser(email);
      expect((await login(email, '')).status).not.toBe(200);
      expect((await login(email, 'anything-long-enough')).status).toBe(401);
      const token = await issueToken(userId, 'welcome');

      const done = await setPassword(token, 'my-new-password-1');
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Your password is set');
      expect((await login(email, 'my-new-password-1')).status).toBe(200);
      const [link] = await linkRows(userId);
      expect(link!.used_at).not.toBeNull();

      const again = await setPassword(token, 'another-password-2');
      expect(again.status).toBe(410);
      expect(await again.text()).toContain('This link no longer works');
      expect((await login(email, 'another-password-2')).status).toBe(401);
      expect((await login(email, 'my-new-password-1')).status).toBe(200);
      expect((await page(token)).status).toBe(410);
    });

    it('ends every session: access tokens from before are refused, and PasswordChanged is recorded', async () => {
      const leo = await http.login('leo@example.com');
      const userId = (await leo.get('/api/auth/me')).body.userId as string;
      const token = await issueToken(userId, 'reset');
      expect((await setPassword(token, 'leo-fresh-password')).status).toBe(200);
      const old = await leo.get('/api/auth/me');
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('USERS.TOKEN_INVALID');
      expect((await login('leo@example.com', 'demo-password-1')).status).toBe(401);
      expect((await login('leo@example.com', 'leo-fresh-password')).status).toBe(200);
      const events = await app.sql(`select payload from outbox_messages where event_type = 'users.password-changed.v1' and payload->>'userId' = $1`, [userId]);
      expect(events).toHaveLength(1);
    });

    it('re-renders the form with the message (token kept) on a short or unconfirmed password, changing nothing', async () => {
      const userId = await createUser('welcome-errors@example.com', 'nl');
      const token = await issueToken(userId, 'welcome');
      const before = { user: await userState(userId), links: await linkRows(userId) };

      const mismatch = await setPassword(token, 'long-enough-password', 'long-enough-passwort');
      expect(mismatch.status).toBe(400);
      const mismatchHtml = await mismatch.text();
      expect(mismatchHtml).toContain('The two passwords are not the same.');
      expect(mismatchHtml).toContain(`<input type="hidden" name="token" value="${token}">`);
      expect(mismatchHtml).not.toContain('long-enough-password');

      const short = await setPassword(token, 'short', 'short');
      expect(short.status).toBe(400);
      expect(await short.text()).toContain('A password has at least 10 characters.');

      const long = await setPassword(token, 'x'.repeat(1025));
      expect(long.status).toBe(400);
      expect(await long.text()).toContain('A password has at most 1024 characters.');

      const dutch = await postForm('/account/set-password', { token, password: 'short', confirmation: 'short' }, { 'accept-language': 'nl' });
      expect(await dutch.text()).toContain('Een wachtwoord');

      expect({ user: await userState(userId), links: await linkRows(userId) }).toEqual(before);
      expect((await setPassword(token, 'long-enough-password')).status).toBe(200);
    });

    it('shows one and the same dead-link page for an unknown, a used and an expired link', async () => {
      const userId = await createUser('dead-links@example.com');
      const used = await issueToken(userId, 'reset');
      expect((await setPassword(used, 'first-password-1')).status).toBe(200);
      const expired = await issueToken(userId, 'reset');
      await app.sql(`update password_links set expires_at = now() - interval '1 second' where used_at is null and ended_at is null and user_id = $1`, [userId]);
      const unknown = 'A'.repeat(43);

      const pages = await Promise.all([unknown, used, expired, 'not-a-token'].map(async (token) => {
        const response = await page(token);
        return { status: response.status, html: await response.text(), csp: response.headers.get('content-security-policy') };
      }));
      for (const dead of pages) {
        expect(dead.status).toBe(410);
        expect(dead.html).toBe(pages[0]!.html);
        expect(dead.html).toContain('This link no longer works');
        expect(dead.html).toContain('action="/account/forgot-password"');
        expect(dead.csp).toContain("default-src 'none'");
      }
      const post = await setPassword(expired, 'expired-password-1');
      expect(post.status).toBe(410);
      expect(await post.text()).toBe(pages[0]!.html);
      expect((await login('dead-links@example.com', 'expired-password-1')).status).toBe(401);
    });

    it('a new welcome link ends the older one; setting a password ends every other open link', async () => {
      const userId = await createUser('superseded@example.com');
      const older = await issueToken(userId, 'welcome');
      const newer = await issueToken(userId, 'welcome');
      expect((await page(older)).status).toBe(410);
      expect((await page(newer)).status).toBe(200);
      const reset = await issueToken(userId, 'reset');
      expect((await page(newer)).status).toBe(200);
      expect((await setPassword(reset, 'through-the-reset-1')).status).toBe(200);
      expect((await page(newer)).status).toBe(410);
      expect((await setPassword(newer, 'through-the-welcome')).status).toBe(410);
      const links = await linkRows(userId);
      expect(links.filter((link) => link.used_at === null && link.ended_at === null)).toHaveLength(0);
    });

    it('of two simultaneous POSTs with one link exactly one wins', async () => {
      const email = 'race@example.com';
      const userId = await createUser(email);
      const token = await issueToken(userId, 'welcome');
      // Another transaction holds the account's row while both requests arrive, so both have passed the
      // link's first look and wait at the same point; then it lets go and they run one after the other.
      const holder = new pg.Client({ connectionString: app.database.url });
      await holder.connect();
      let results: Response[];
      try {
        await holder.query('begin');
        await holder.query('select 1 from users where id = $1 for update', [userId]);
        const racing = Promise.all([setPassword(token, 'racer-one-password'), setPassword(token, 'racer-two-password')]);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await holder.query('commit');
        results = await racing;
      } finally {
        await holder.end();
      }
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 410]);
      const winner = results[0]!.status === 200 ? 'racer-one-password' : 'racer-two-password';
      const loser = winner === 'racer-one-password' ? 'racer-two-password' : 'racer-one-password';
      expect((await login(email, winner)).status).toBe(200);
      expect((await login(email, loser)).status).toBe(401);
    });

    it('issues no link for a deleted user, and a deleted user cannot use an earlier one', async () => {
      const userId = await createUser('deleted-user@example.com');
      const token = await issueToken(userId, 'welcome');
      expect((await admin.delete(`/api/users/${userId}`)).status).toBe(204);
      expect(await issue(userId, 'reset')).toBeUndefined();
      expect((await page(token)).status).toBe(410);
      expect((await setPassword(token, 'after-deletion-1')).status).toBe(410);
    });
  });

  describe('POST /api/auth/password-reset', () => {
    const reset = (email: string, address: string) => http.withHeaders({ 'x-forwarded-for': address }).post('/api/auth/password-reset', { email });

    it('answers 202 alike for known and unknown addresses; records PasswordResetRequested only for the active account', async () => {
      const known = await createUser('forgetful@example.com');
      const deleted = await createUser('gone@example.com');
      await admin.delete(`/api/users/${deleted}`);
      const answers = [
        await reset('Forgetful@Example.com', '203.0.113.1'),
        await reset('nobody@example.com', '203.0.113.2'),
        await reset('gone@example.com', '203.0.113.3'),
        await reset('not an email', '203.0.113.4'),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        expect(answer.raw.equals(answers[0]!.raw)).toBe(true);
      }
      expect(await resetEvents(known)).toHaveLength(1);
      expect(await resetEvents(deleted)).toHaveLength(0);
      const [event] = await app.sql<{ payload: Record<string, string> }>(
        `select payload from outbox_messages where event_type = 'users.password-reset-requested.v1' and payload->>'userId' = $1`,
        [known],
      );
      expect(event!.payload).toMatchObject({ userId: known, email: 'forgetful@example.com', firstName: 'Test', language: 'en' });
      const total = await app.sql(`select id from outbox_messages where event_type = 'users.password-reset-requested.v1'`);
      expect(total).toHaveLength(1);
    });

    it('records at most one reset per user per interval (still 202), including simultaneous requests', async () => {
      const userId = await createUser('bombed@example.com');
      const answers = await Promise.all(['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13'].map((address) => reset('bombed@example.com', address)));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
      expect(await resetEvents(userId)).toHaveLength(1);
      await app.sql(`update password_reset_requests set last_requested_at = now() - interval '11 minutes' where user_id = $1`, [userId]);
      expect((await reset('bombed@example.com', '203.0.113.14')).status).toBe(202);
      expect(await resetEvents(userId)).toHaveLength(2);
    });

    it('limits requests per client address like sign-in (429 with Retry-After), known address or not', async () => {
      const userId = await createUser('limited@example.com');
      const address = '203.0.113.50';
      for (let i = 0; i < 3; i++) expect((await reset(`unknown-${i}@example.com`, address)).status).toBe(202);
      const refused = await reset('limited@example.com', address);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('USERS.PASSWORD_RESET_THROTTLED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await resetEvents(userId)).toHaveLength(0);
      expect((await reset('limited@example.com', '203.0.113.51')).status).toBe(202);
      expect(await resetEvents(userId)).toHaveLength(1);
    });

    it('the dead-link page asks for a new link the same way', async () => {
      const userId = await createUser('from-the-page@example.com');
      const response = await postForm('/account/forgot-password', { email: 'from-the-page@example.com' });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Check your mail');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await resetEvents(userId)).toHaveLength(1);
      const unknown = await postForm('/account/forgot-password', { email: 'nobody-here@example.com' });
      expect(unknown.status).toBe(200);
    });
  });

  describe('an email address that changes', () => {
    it('ends every open link of the user in the same write, so a reset for the new address is the only way in', async () => {
      const userId = await createUser('moving@example.com');
      const welcome = await issueToken(userId, 'welcome');
      const reset = await issueToken(userId, 'reset');
      expect((await linkRows(userId)).filter((row) => row.ended_at === null)).toHaveLength(2);

      // A change that keeps the address ends nothing.
      expect((await admin.patch(`/api/users/${userId}`, { firstName: 'Still' })).status).toBeLessThan(300);
      expect((await linkRows(userId)).filter((row) => row.ended_at === null)).toHaveLength(2);

      const changed = await admin.patch(`/api/users/${userId}`, { email: 'moved@example.com' });
      expect(changed.status, JSON.stringify(changed.body)).toBeLessThan(300);
      const rows = await linkRows(userId);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.ended_at).not.toBeNull();
      for (const token of [welcome, reset]) {
        expect((await page(token)).status).toBe(410);
        expect((await setPassword(token, 'taken-over-password-1')).status).toBe(410);
      }
      expect((await userState(userId))[0]!.password_hash).toBeNull();
    });

    it('refuses an admin who changes the address of an account that has a password (they could reset it there)', async () => {
      const userId = await createUser('owned@example.com');
      const token = await issueToken(userId, 'welcome');
      expect((await setPassword(token, 'the-owners-password-1')).status).toBe(200);
      const changed = await admin.patch(`/api/users/${userId}`, { email: 'admin-controlled@example.com' });
      expect(changed.status).toBe(403);
      expect(changed.body.code).toBe('USERS.EMAIL_CHANGE_NEEDS_OWNER');
      // Other details still change; the address stays.
      expect((await admin.patch(`/api/users/${userId}`, { firstName: 'Renamed', email: 'OWNED@example.com' })).status).toBeLessThan(300);
      const [row] = await app.sql<{ email: string; first_name: string }>(`select email, first_name from users where id = $1`, [userId]);
      expect(row).toEqual({ email: 'owned@example.com', first_name: 'Renamed' });
    });

    it('names on every issued link the address it was issued for: the current one', async () => {
      const userId = await createUser('named-link@example.com');
      expect((await issue(userId, 'welcome'))!.email).toBe('named-link@example.com');
      expect((await admin.patch(`/api/users/${userId}`, { email: 'renamed-link@example.com' })).status).toBeLessThan(300);
      expect((await issue(userId, 'reset'))!.email).toBe('renamed-link@example.com');
      const batch: Record<string, PasswordLink> = await app.running.app.get(CommandBus).execute(new IssuePasswordLinksCommand([userId], 'welcome'));
      expect(batch[userId]!.email).toBe('renamed-link@example.com');
    });
  });

  it('the forms post to the right place whatever the page address (a trailing slash)', async () => {
    const token = await issueToken(await createUser('slash@example.com'), 'welcome');
    const pageUrl = `${app.url}/account/set-password/?token=${encodeURIComponent(token)}`;
    const response = await fetch(pageUrl, { headers: { 'x-forwarded-for': freshAddress() } });
    expect(response.status).toBe(200);
    const action = /<form method="post" action="([^"]+)">/.exec(await response.text())![1]!;
    const target = new URL(action, pageUrl);
    expect(target.pathname).toBe('/account/set-password');
    const posted = await postForm(target.pathname, { token, password: 'slash-password-1', confirmation: 'slash-password-1' });
    expect(posted.status).toBe(200);
  });
});
