import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../support/files.js';
import { Http, eventually } from '../support/http.js';
import { finished, startImport } from '../support/imports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The whole path of a new user, across Users, Imports and Notifications, through HTTP and real SMTP:
 * an admin imports users with welcome mails, each gets exactly one mail with a one-time link (never a
 * password), sets a password on the page, signs in; the link is dead afterwards. The admin who ran the
 * import gets an in-app notice and a mail with the counts.
 */
describe('users import to first sign-in (real Postgres, Redis and SMTP)', () => {
  let app: TestApp;
  let admin: Http;
  let addressCounter = 0;
  const freshAddress = () => `198.51.100.${++addressCounter}`;

  beforeAll(async () => {
    app = await startTestApp({ env: { IMPORT_CHUNK_SIZE: '2' } });
    admin = await new Http(app.url).login('admin@example.com');
  });
  afterAll(() => app?.close());

  const linkIn = (text: string) => {
    const match = /https?:\/\/\S+\/account\/set-password\?token=([A-Za-z0-9_-]+)/.exec(text);
    expect(match, `no set-password link in:\n${text}`).not.toBeNull();
    return match![1];
  };
  const page = (token: string) => fetch(`${app.url}/account/set-password?token=${encodeURIComponent(token)}`, { headers: { 'x-forwarded-for': freshAddress() } });
  const setPassword = (token: string, password: string) =>
    fetch(`${app.url}/account/set-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshAddress() },
      body: new URLSearchParams({ token, password, confirmation: password }).toString(),
    });

  it('mails each imported user one link, which sets a password once; the starter is told the counts', async () => {
    const file = csv(
      ['E-mailadres', 'Voornaam', 'Achternaam', 'Taal'],
      [
      ['noor.onboard@example.com', 'Noor', 'Jansen', 'nl'],
      ['emma.onboard@example.com', 'Emma', 'Brown', 'en'],
      ['not-an-email', 'Kees', 'Fout', 'nl'],
      ],
    );
    const id = await startImport(admin, 'users', 'nieuwe-gebruikers.csv', file, { options: JSON.stringify({ welcomeMail: 'all' }) });
    const run = await finished(admin, id);
    expect(run.status).toBe('completed_with_errors');
    expect([run.counts.succeeded, run.counts.failed]).toEqual([2, 1]);

    const noorMail = await app.mail.waitFor((mail) => mail.envelopeTo.includes('noor.onboard@example.com'), 20_000);
    const emmaMail = await app.mail.waitFor((mail) => mail.envelopeTo.includes('emma.onboard@example.com'), 20_000);
    // Each in the recipient's language, with a link and no password in it.
    expect(noorMail.text).toContain('Noor');
    expect(emmaMail.text).toContain('Emma');
    expect(noorMail.subject).not.toBe(emmaMail.subject);
    const token = linkIn(noorMail.text ?? '');
    expect(noorMail.html ?? '').toContain('/account/set-password?token=');

    // GET shows the form and changes nothing; the POST sets the password once.
    expect((await page(token)).status).toBe(200);
    expect((await page(token)).status).toBe(200);
    const set = await setPassword(token, 'a-good-new-password-1');
    expect(set.status).toBe(200);
    const signedIn = await new Http(app.url).withHeaders({ 'x-forwarded-for': freshAddress() }).post('/api/auth/login', { email: 'noor.onboard@example.com', password: 'a-good-new-password-1' });
    expect(signedIn.status).toBe(200);
    expect((await setPassword(token, 'another-password-22')).status).toBe(410);
    expect((await page(token)).status).toBe(410);

    // Exactly one welcome mail per user, and the delivery log says sent, with the SMTP server's answer.
    const deliveries = await eventually(async () => {
      const rows = await app.sql<{ recipient_email: string; status: string; smtp_response: string | null }>(
        `select recipient_email, status, smtp_response from mail_deliveries where template = 'welcome' and recipient_email like '%.onboard@example.com' order by 1`,
      );
      return rows.length === 2 && rows.every((row) => row.status === 'sent') ? rows : undefined;
    });
    expect(deliveries.map((row) => row.recipient_email)).toEqual(['emma.onboard@example.com', 'noor.onboard@example.com']);
    expect(deliveries.every((row) => (row.smtp_response ?? '').length > 0)).toBe(true);
    const welcomes = app.mail.list().filter((mail) => mail.envelopeTo.some((to) => to.endsWith('.onboard@example.com')) && mail.text?.includes('/account/set-password'));
    expect(welcomes).toHaveLength(2);

    // The starter: an in-app notice and a mail with the counts.
    const notices = await eventually(async () => {
      const list = await admin.get<{ kind: string; link: string | null }[]>('/api/notifications?filter=unread');
      return list.body.some((notice) => notice.link?.includes(id)) ? list.body : undefined;
    });
    expect(notices.some((notice) => notice.kind === 'import-completed')).toBe(true);
    const unread = await admin.get<{ unread: number }>('/api/notifications/unread-count');
    expect(unread.body.unread).toBeGreaterThan(0);
    const report = await app.mail.waitFor((mail) => mail.envelopeTo.includes('admin@example.com') && (mail.text ?? '').includes('nieuwe-gebruikers.csv'), 20_000);
    expect(report.text).toMatch(/\b2\b/);
    expect(report.text).toMatch(/\b1\b/);
  });

  it('tells an existing user the import updated their account (no "account created"), with a short-lived link; a new user gets the welcome', async () => {
    const file = csv(['E-mailadres', 'Voornaam', 'Achternaam', 'Taal'], [['lena@example.com', 'Lena', 'de Vries', 'en'], ['piet.onboard@example.com', 'Piet', 'Nieuw', 'en']]);
    const id = await startImport(admin, 'users', 'bijwerken.csv', file, { options: JSON.stringify({ welcomeMail: 'all' }) });
    expect((await finished(admin, id)).counts).toMatchObject({ succeeded: 2, failed: 0 });
    const lenaMail = await app.mail.waitFor((mail) => mail.envelopeTo.includes('lena@example.com') && mail.subject.includes('updated'), 20_000);
    const pietMail = await app.mail.waitFor((mail) => mail.envelopeTo.includes('piet.onboard@example.com'), 20_000);
    expect(lenaMail.subject).toBe('Your account details for Credential Import were updated');
    expect(lenaMail.text).not.toMatch(/created/i);
    expect(lenaMail.text).toContain('Sign in as usual');
    expect((await page(linkIn(lenaMail.text ?? ''))).status).toBe(200);
    expect(pietMail.subject).toBe('Your account for Credential Import');
    expect(pietMail.text).toContain('An account was created for you');
    // the link of the update mail lives as long as a reset link (an hour), not a welcome link's week
    // The catcher may see a mail a moment before the worker records it sent.
    const links = await eventually(async () => {
      const rows = await app.sql<{ template: string; expires_in_minutes: number }>(
        `select d.template, round(extract(epoch from l.expires_at - now()) / 60)::int as expires_in_minutes
           from mail_deliveries d join password_links l on l.user_id = d.recipient_user_id and l.used_at is null and l.ended_at is null
          where d.recipient_email in ('lena@example.com', 'piet.onboard@example.com') and d.status = 'sent' order by d.template`,
      );
      return rows.length >= 2 ? rows : undefined;
    });
    expect(links.map((l) => l.template)).toEqual(['account-updated', 'welcome']);
    expect(links[0].expires_in_minutes).toBeLessThanOrEqual(60);
    expect(links[1].expires_in_minutes).toBeGreaterThan(24 * 60);
  });

  it('answers a password reset for unknown and known addresses alike, and mails a working link only to the known one', async () => {
    const anonymous = new Http(app.url);
    const toEmma = () => app.mail.list().filter((mail) => mail.envelopeTo.includes('emma.onboard@example.com'));
    const mailsBefore = toEmma().length;
    const known = await anonymous.withHeaders({ 'x-forwarded-for': freshAddress() }).post('/api/auth/password-reset', { email: 'emma.onboard@example.com' });
    const unknown = await anonymous.withHeaders({ 'x-forwarded-for': freshAddress() }).post('/api/auth/password-reset', { email: 'nobody.onboard@example.com' });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(known.body).toEqual(unknown.body);
    // The mail catcher lists the newest first.
    const resetMail = await eventually(async () => (toEmma().length > mailsBefore ? toEmma()[0] : undefined), 20_000);
    const token = linkIn(resetMail.text ?? '');
    expect((await setPassword(token, 'emma-reset-password-1')).status).toBe(200);
    const signedIn = await anonymous.withHeaders({ 'x-forwarded-for': freshAddress() }).post('/api/auth/login', { email: 'emma.onboard@example.com', password: 'emma-reset-password-1' });
    expect(signedIn.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(app.mail.list().filter((mail) => mail.envelopeTo.includes('nobody.onboard@example.com'))).toHaveLength(0);
  });
});
