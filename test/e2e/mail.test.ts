import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('mail over real SMTP, driven by outbox events', () => {
  let app: TestApp;
  let admin: Http;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await new Http(app.url).login('admin@example.com');
  });
  afterAll(() => app?.close());

  it('sends a welcome mail in the new user\'s language once the user is committed', async () => {
    const created = await admin.post('/api/users', { email: 'sanne@example.com', firstName: 'Sanne', lastName: 'Smit', language: 'nl' });
    expect(created.status).toBe(201);
    const mail = await app.mail.waitFor((m) => m.to.some((to) => to.includes('sanne@example.com')));
    expect(mail.subject).toBe('Je account voor Credential Import');
    expect(mail.text).toContain('Hallo Sanne');
    expect(mail.text).toMatch(/\/account\/set-password\?token=[A-Za-z0-9_-]{43}/);
    expect(mail.html).toContain('<p>Hallo Sanne,</p>');
    expect(mail.envelopeTo).toEqual(['sanne@example.com']);
    // asked for through WelcomeMailRequested, and logged once
    const requested = await app.sql(`select id from outbox_messages where event_type = 'users.welcome-mail-requested.v1' and payload->>'email' = 'sanne@example.com'`);
    expect(requested).toHaveLength(1);
    const logged = await app.sql<{ template: string; status: string }>(`select template, status from mail_deliveries where recipient_email = 'sanne@example.com'`);
    expect(logged).toEqual([{ template: 'welcome', status: expect.stringMatching(/^(sending|sent)$/) }]);
  });

  it('sends nothing when asked not to, and nothing for a rejected user', async () => {
    await admin.post('/api/users', { email: 'quiet@example.com', firstName: 'Q', lastName: 'Uiet', sendWelcomeMail: false });
    const rejected = await admin.post('/api/users', { email: 'sanne@example.com', firstName: 'Dup', lastName: 'Licate' });
    expect(rejected.status).toBe(409);
    await admin.post('/api/users', { email: 'marker@example.com', firstName: 'M', lastName: 'Arker' });
    await app.mail.waitFor((m) => m.to.some((to) => to.includes('marker@example.com')));
    const recipients = app.mail.list().flatMap((m) => m.envelopeTo);
    expect(recipients).not.toContain('quiet@example.com');
    expect(await app.sql(`select id from outbox_messages where event_type = 'users.welcome-mail-requested.v1' and payload->>'email' = 'quiet@example.com'`)).toEqual([]);
    expect(recipients.filter((r) => r === 'sanne@example.com')).toHaveLength(1);
  });
});
