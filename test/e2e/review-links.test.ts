import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalCertificateSubmitted, ReviewerChanged, ReviewReminderDue } from '#libs/contracts/validation/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { ReviewerReassignment } from '../../src/modules/validation/application/reassignment/reviewer-reassignment.js';
import type { CaughtMail } from '#libs/runtime/mail-catcher.js';
import { eventually, Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The email review flow through HTTP against the real app and SMTP catcher: the reviewer's mail and its
 * three links, the review page (GET changes nothing, only the CSRF-protected POST decides, once), the
 * learner's outcome mail, and every way a link is refused. Tasks are planted as rows (with their PDF in
 * the storage port) and announced with ExternalCertificateSubmitted through the outbox, as the upload does.
 */
describe('review links in reviewers’ mails', () => {
  let app: TestApp;
  let users: Record<string, { id: string; email: string; name: string }>;
  let addressCounter = 0;
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_REMINDER_INTERVAL_MS: '0', REVIEW_SWEEP_INTERVAL_MS: '0', RATE_LIMIT_MAX: '40', RATE_LIMIT_WINDOW_SECONDS: '300' } });
    const rows = await app.sql<{ id: string; email: string; first_name: string; last_name: string }>(`select id, email, first_name, last_name from users`);
    users = Object.fromEntries(rows.map((row) => [row.email.split('@')[0]!, { id: row.id, email: row.email, name: `${row.first_name} ${row.last_name}` }]));
  });
  afterAll(() => app?.close());

  /** Each request its own client address (TRUST_PROXY=loopback trusts X-Forwarded-For from the test), so per-address limits do not mix. */
  const freshAddress = () => `198.51.100.${(++addressCounter % 250) + 1}`;

  interface Task {
    id: string;
    name: string;
  }

  /** A pending task of lars@ (managed by manager@), with admin@ as fallback (both may review him), announced like an upload does. */
  const plantTask = async (
    options: { name?: string; reviewer?: string; fallback?: string | null; announce?: boolean; state?: 'pending_review' | 'validated'; definitionId?: string } = {},
  ): Promise<Task> => {
    const id = randomUUID();
    const name = options.name ?? `Forklift licence ${id.slice(0, 8)}`;
    const learner = users.lars!;
    const reviewer = users[options.reviewer ?? 'manager']!;
    const fallback = options.fallback === null ? null : users[options.fallback ?? 'admin']!;
    const stored = await app.running.app.get(StoragePort).put(pdf);
    const state = options.state ?? 'pending_review';
    await app.sql(
      `insert into external_certificates (id, user_id, uploaded_by, name, delivered_on, expires_on, state, file_key, file_name, file_size,
         reviewer_id, reviewer_tier, fallback_reviewer_id, submitted_at, assigned_at, decided_at, decided_by, definition_id)
       values ($1, $2, $2, $3, '2026-10-01', '2029-10-01', $4, $5, 'licence.pdf', $6, $7, 'manager', $8, now(), now(), $9, $10, $11)`,
      [
        id,
        learner.id,
        name,
        state,
        stored.key,
        pdf.length,
        reviewer.id,
        fallback?.id ?? null,
        state === 'pending_review' ? null : new Date(),
        state === 'pending_review' ? null : reviewer.id,
        options.definitionId ?? null,
      ],
    );
    if (options.announce !== false) {
      await record(
        new ExternalCertificateSubmitted({
          externalCertificateId: id,
          userId: learner.id,
          learnerName: learner.name,
          learnerLanguage: 'en',
          uploadedBy: learner.id,
          name,
          deliveredOn: '2026-10-01',
          expiresOn: '2029-10-01',
          definitionId: null,
          credits: null,
          file: { storageKey: stored.key, fileName: 'licence.pdf', size: pdf.length },
          submittedAt: new Date().toISOString(),
          reviewerId: reviewer.id,
          reviewerTier: 'manager',
          fallbackReviewerId: fallback?.id ?? null,
        }),
      );
    }
    return { id, name };
  };

  const record = (event: ExternalCertificateSubmitted | ReviewerChanged | ReviewReminderDue) =>
    app.running.app
      .get(MikroORM)
      .em.fork()
      .transactional(async (em) => recordEvent(em, event));

  const mailAbout = (to: string, task: Task, subject = /./): Promise<CaughtMail> =>
    app.mail.waitFor((mail) => mail.envelopeTo.includes(to) && mail.subject.includes(task.name) && subject.test(mail.subject), 15_000);

  /** The review link's path (/review/<token>) from a reviewer's mail, checking the three links are there. */
  const reviewPath = (mail: CaughtMail): string => {
    const url = /(https?:\/\/\S+\/review\/[A-Za-z0-9_-]{43})\r?\n/.exec(mail.text!)?.[1];
    expect(url).toBeDefined();
    expect(mail.text).toContain(`${url}?action=validate`);
    expect(mail.text).toContain(`${url}?action=reject`);
    expect(mail.html).toContain(`href="${url}"`);
    expect(mail.html).toContain(`href="${url}?action=validate"`);
    expect(mail.html).toContain(`href="${url}?action=reject"`);
    return new URL(url!).pathname;
  };

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers: { 'x-forwarded-for': freshAddress(), ...headers }, redirect: 'manual' });
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshAddress(), ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  /** Opens the page as a browser would: its CSRF cookie and hidden field, and the form's current values. */
  const openForm = async (path: string) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    const html = await response.text();
    const cookie = /^(cit_review_csrf=[A-Za-z0-9_-]{43});/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(cookie).toBeDefined();
    expect(csrf).toBeDefined();
    return { html, cookie: cookie!, csrf: csrf!, response, hidden: hiddenFields(html) };
  };

  /** The form's hidden fields besides the CSRF value (the task's version, the definition it started from). */
  const hiddenFields = (html: string) => ({
    version: /name="version" value="([^"]*)"/.exec(html)?.[1] ?? '',
    originalDefinitionId: /name="originalDefinitionId" value="([^"]*)"/.exec(html)?.[1] ?? '',
  });

  /** What a browser posts for the select: the option marked selected, else the first one. */
  const selectedDefinition = (html: string) => {
    const select = /<select id="definitionId" name="definitionId">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    return (/<option value="([^"]*)" selected>/.exec(select) ?? /<option value="([^"]*)"/.exec(select))?.[1] ?? '';
  };

  /** Posts the page's form as a browser would (same cookie, hidden field, the fields as shown). */
  const submit = async (
    path: string,
    action: 'validate' | 'reject',
    fields: Record<string, string> = {},
    form?: { cookie: string; csrf: string; hidden?: { version: string; originalDefinitionId: string } },
  ) => {
    const opened = form ?? (await openForm(path));
    const hidden = opened.hidden ?? { version: '', originalDefinitionId: '' };
    return post(path, { csrf: opened.csrf, ...hidden, name: fields.name ?? '', deliveredOn: '2026-10-01', expiresOn: '2029-10-01', definitionId: '', comment: '', action, ...fields }, {
      cookie: opened.cookie,
    });
  };

  const taskState = (id: string) =>
    app.sql(`select state, name, delivered_on::text, expires_on::text, definition_id, reviewer_id, decided_at, decided_by, comment, version from external_certificates where id = $1`, [id]);
  const linkRows = (id: string) => app.sql(`select id, reviewer_id, expires_at, used_at, ended_at from review_links where external_certificate_id = $1 order by created_at`, [id]);
  const snapshot = async (id: string) => ({ task: await taskState(id), links: await linkRows(id) });

  describe('the mail and the page', () => {
    it('mails the task’s reviewer three links and a notice; GET on each link (twice) changes nothing and shows the certificate', async () => {
      const task = await plantTask();
      const mail = await mailAbout(users.manager!.email, task);
      expect(mail.subject).toBe(`Please review the certificate "${task.name}" of ${users.lars!.name}`);
      expect(mail.text).toContain('Delivered on: 1 October 2026');
      const path = reviewPath(mail);
      expect(app.mail.list().filter((m) => m.subject.includes(task.name)).map((m) => m.envelopeTo)).toEqual([[users.manager!.email]]);
      const notices = await app.sql(`select kind, link from in_app_notifications where user_id = $1 and link like '%' || $2`, [users.manager!.id, task.id]);
      expect(notices).toEqual([{ kind: 'review-requested', link: `/api/external-certificates/${task.id}` }]);

      const before = await snapshot(task.id);
      expect(before.links).toHaveLength(1);
      expect(before.links[0]!.used_at).toBeNull();
      for (const suffix of ['', '?action=validate', '?action=reject']) {
        for (let i = 0; i < 2; i++) {
          const { html, response } = await openForm(`${path}${suffix}`);
          expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
          expect(html).toContain(`<form method="post" action="${path}">`);
          expect(html).toContain(task.name);
          expect(html).toContain(users.lars!.name);
          expect(html).toContain('1 October 2026');
          expect(html).toContain('1 October 2029');
          expect(html).toContain(`href="${path}/certificate.pdf"`);
          expect(html).toMatch(/<select id="definitionId" name="definitionId">/);
          expect(html).toMatch(/<textarea id="comment" name="comment"/);
          expect(html).toMatch(/<button type="submit" name="action" value="validate" class="validate( chosen)?">Validate<\/button>/);
          expect(html).toMatch(/<button type="submit" name="action" value="reject" class="reject( chosen)?">Reject<\/button>/);
          if (suffix.includes('validate')) expect(html).toContain('class="validate chosen"');
          if (suffix.includes('reject')) expect(html).toContain('class="reject chosen"');
          expect(html.toLowerCase()).not.toContain('<script');
          const csp = response.headers.get('content-security-policy')!;
          expect(csp).toContain("default-src 'none'");
          expect(csp).toContain("form-action 'self'");
          expect(csp).toContain("frame-ancestors 'none'");
          expect(csp).not.toContain('unsafe-inline');
          expect(response.headers.get('cache-control')).toBe('no-store');
          expect(response.headers.get('referrer-policy')).toBe('no-referrer');
          expect(response.headers.get('x-frame-options')).toBe('DENY');
          expect(response.headers.get('x-robots-tag')).toContain('noindex');
          const cookie = response.headers.get('set-cookie')!;
          expect(cookie).toContain('HttpOnly');
          expect(cookie).toContain('SameSite=Strict');
          expect(cookie).toContain('Path=/review');
        }
      }
      expect(await snapshot(task.id)).toEqual(before);
      expect(before.task[0]!.state).toBe('pending_review');
    });

    it('serves the PDF inline while the link is open, and speaks Dutch to a Dutch browser', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const before = await snapshot(task.id);
      const file = await get(`${path}/certificate.pdf`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/pdf');
      expect(file.headers.get('content-disposition')).toMatch(/^inline; filename="licence.pdf"/);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
      expect(file.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).toBe(true);
      const dutch = await get(path, { 'accept-language': 'nl-NL,nl;q=0.9' });
      const html = await dutch.text();
      expect(html).toContain('<html lang="nl">');
      expect(html).toContain('Extern certificaat beoordelen');
      expect(html).toContain('Valideren');
      expect(await snapshot(task.id)).toEqual(before);
      expect((await get(`/review/${'A'.repeat(43)}/certificate.pdf`)).status).toBe(404);
    });

    it('shows a hostile certificate name as text, in the page and in the mail', async () => {
      const task = await plantTask({ name: `<script>alert("x")</script> & <b>bold</b> ${randomUUID().slice(0, 6)}` });
      const mail = await mailAbout(users.manager!.email, task);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      const { html } = await openForm(reviewPath(mail));
      expect(html.toLowerCase()).not.toContain('<script');
      expect(html).not.toContain('<b>bold</b>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    });
  });

  describe('from the upload API to the outcome mail', () => {
    it('a learner uploads: their manager gets the mail (a learner without one: the group admin); the page validates; the learner is told', async () => {
      const http = new Http(app.url).withHeaders({ 'x-forwarded-for': '192.0.2.10' });
      const upload = async (email: string, name: string) => {
        const learner = await http.login(email);
        const response = await learner.upload('/api/external-certificates', { name, deliveredOn: '2026-03-01', expiresOn: '2028-03-01' }, [
          { field: 'file', fileName: 'scan.pdf', content: pdf, contentType: 'application/pdf' },
        ]);
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        return { id: response.body.id as string, name };
      };
      const fromLars = await upload('lars@example.com', `Crane operator ${randomUUID().slice(0, 6)}`);
      const fromLena = await upload('lena@example.com', `Welding ${randomUUID().slice(0, 6)}`);
      const toManager = await mailAbout(users.manager!.email, fromLars);
      const toGroupAdmin = await mailAbout(users.groupadmin!.email, fromLena);
      expect(toGroupAdmin.subject).toBe(`Beoordeel het certificaat "${fromLena.name}" van ${users.lena!.name}`);
      expect(app.mail.list().filter((mail) => mail.subject.includes(fromLars.name)).map((mail) => mail.envelopeTo)).toEqual([[users.manager!.email]]);
      reviewPath(toGroupAdmin);

      const path = reviewPath(toManager);
      const before = await snapshot(fromLars.id);
      for (const suffix of ['', '?action=validate', '?action=reject']) expect((await get(`${path}${suffix}`)).status).toBe(200);
      expect(await snapshot(fromLars.id)).toEqual(before);
      const done = await submit(`${path}?action=validate`, 'validate', { name: fromLars.name, deliveredOn: '2026-03-01', expiresOn: '2028-03-01', comment: 'Looks good' });
      expect(done.status).toBe(200);
      expect((await taskState(fromLars.id))[0]).toMatchObject({ state: 'validated', decided_by: users.manager!.id });
      const outcome = await mailAbout(users.lars!.email, fromLars, /gevalideerd/);
      expect(outcome.text).toContain('Looks good');
    });
  });

  describe('deciding through the page', () => {
    it('the POST validates (with an edit), uses the link, and the learner is told; the link then works no more', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const done = await submit(`${path}?action=validate`, 'validate', { name: `${task.name} (checked)` });
      const html = await done.text();
      expect(done.status, html).toBe(200);
      expect(html).toContain('Certificate validated');
      const [row] = await taskState(task.id);
      expect(row).toMatchObject({ state: 'validated', name: `${task.name} (checked)`, decided_by: users.manager!.id });
      const [link] = await linkRows(task.id);
      expect(link!.used_at).not.toBeNull();

      // lars@ reads Dutch.
      const outcome = await mailAbout(users.lars!.email, { ...task, name: `${task.name} (checked)` }, /gevalideerd/);
      expect(outcome.subject).toBe(`Je certificaat "${task.name} (checked)" is gevalideerd`);
      expect(outcome.text).toContain(`gevalideerd door ${users.manager!.name}`);

      const after = await snapshot(task.id);
      const reused = await get(path);
      expect(reused.status).toBe(410);
      const reusedHtml = await reused.text();
      expect(reusedHtml).toContain('already used');
      expect(reusedHtml).toMatch(/<a href="http[^"]+">Sign in<\/a>/);
      const again = await submit(path, 'reject', { comment: 'too late' }, { cookie: 'cit_review_csrf=x', csrf: 'x' });
      expect(again.status).toBe(410);
      expect((await get(`${path}/certificate.pdf`)).status).toBe(410);
      expect(await snapshot(task.id)).toEqual(after);
    });

    it('a reject without a comment shows the form again with the message and keeps the link; with one, the learner gets the reason', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const before = await snapshot(task.id);
      const refused = await submit(`${path}?action=reject`, 'reject', { name: task.name, comment: '   ' });
      expect(refused.status).toBe(400);
      const html = await refused.text();
      expect(html).toContain('<p class="error" role="alert">A rejection needs a comment saying why.</p>');
      expect(html).toContain(`<form method="post" action="${path}">`);
      expect(await snapshot(task.id)).toEqual(before);

      const rejected = await submit(path, 'reject', { name: task.name, comment: 'The scan is unreadable, please upload a better one.' });
      expect(rejected.status).toBe(200);
      expect(await rejected.text()).toContain('Certificate rejected');
      expect((await taskState(task.id))[0]).toMatchObject({ state: 'rejected', comment: 'The scan is unreadable, please upload a better one.' });
      const outcome = await mailAbout(users.lars!.email, task, /afgewezen/);
      expect(outcome.subject).toBe(`Je certificaat "${task.name}" is afgewezen`);
      expect(outcome.text).toContain('The scan is unreadable, please upload a better one.');
    });

    it('a rejection ignores the edit fields: a blanked date does not block it and nothing of them is applied', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const rejected = await submit(path, 'reject', { name: 'Renamed', deliveredOn: '', expiresOn: 'soon', comment: 'Wrong person on the scan.' });
      expect(rejected.status).toBe(200);
      expect((await taskState(task.id))[0]).toMatchObject({ state: 'rejected', name: task.name, delivered_on: '2026-10-01', expires_on: '2029-10-01' });
    });

    it('the task’s own definition is always a selected choice, even when deleted, and validating keeps it', async () => {
      const deleted = randomUUID();
      const task = await plantTask({ definitionId: deleted });
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const form = await openForm(path);
      expect(selectedDefinition(form.html)).toBe(deleted);
      expect(form.html).toContain('no longer in the catalogue');
      expect(form.hidden.originalDefinitionId).toBe(deleted);
      const done = await submit(path, 'validate', { name: task.name, definitionId: selectedDefinition(form.html) }, form);
      expect(done.status).toBe(200);
      expect((await taskState(task.id))[0]).toMatchObject({ state: 'validated', definition_id: deleted });
    });

    it('a decision on a page older than another reviewer’s edit is refused with the current values; the link still works', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const stale = await openForm(path);
      // A platform admin corrects the name meanwhile, through the API.
      const admin = await new Http(app.url).login(users.admin!.email);
      expect((await admin.patch(`/api/external-certificates/${task.id}`, { name: `${task.name} (corrected)` })).status).toBe(200);
      const refused = await submit(path, 'validate', { name: `${task.name} (mine)` }, stale);
      expect(refused.status).toBe(409);
      const html = await refused.text();
      expect(html).toContain('Someone else changed this certificate');
      expect(html).toContain(`value="${task.name} (corrected)"`);
      expect((await taskState(task.id))[0]).toMatchObject({ state: 'pending_review', name: `${task.name} (corrected)` });
      expect((await linkRows(task.id)).every((link) => link.used_at === null && link.ended_at === null)).toBe(true);
      const fresh = await openForm(path);
      expect((await submit(path, 'validate', { name: `${task.name} (corrected)` }, fresh)).status).toBe(200);
      expect((await taskState(task.id))[0]).toMatchObject({ state: 'validated', name: `${task.name} (corrected)` });
    });
  });

  describe('more than one mail', () => {
    it('a reminder brings a new link and leaves the first mail’s link working (a bounced reminder kills nothing)', async () => {
      const task = await plantTask();
      const first = reviewPath(await mailAbout(users.manager!.email, task));
      await record(
        new ReviewReminderDue({
          externalCertificateId: task.id,
          userId: users.lars!.id,
          learnerName: users.lars!.name,
          name: task.name,
          recipientId: users.manager!.id,
          kind: 'reminder',
          submittedAt: new Date().toISOString(),
        }),
      );
      const second = reviewPath(await mailAbout(users.manager!.email, task, /Reminder|Herinnering/));
      expect(second).not.toBe(first);
      expect((await linkRows(task.id)).map((link) => link.ended_at)).toEqual([null, null]);
      expect((await get(second)).status).toBe(200);
      expect((await get(first)).status).toBe(200);
      expect((await submit(first, 'validate', { name: task.name })).status).toBe(200);
      // The decision ends every other link of the task.
      expect((await get(second)).status).toBe(410);
    });
  });

  describe('refused links', () => {
    it('an expired link says so, shows no form and changes nothing', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      await app.sql(`update review_links set expires_at = now() - interval '1 minute' where external_certificate_id = $1`, [task.id]);
      const before = await snapshot(task.id);
      const page = await get(path);
      expect(page.status).toBe(410);
      const html = await page.text();
      expect(html).toContain('expired');
      expect(html).not.toContain('<form');
      expect((await submit(path, 'validate', { name: task.name }, { cookie: 'cit_review_csrf=x', csrf: 'x' })).status).toBe(410);
      expect((await get(`${path}/certificate.pdf`)).status).toBe(410);
      expect(await snapshot(task.id)).toEqual(before);
    });

    it('a forged or malformed token is not found (GET and POST)', async () => {
      for (const path of [`/review/${'A'.repeat(43)}`, '/review/not-a-token', `/review/${'A'.repeat(43)}?action=validate`]) {
        const page = await get(path);
        expect(page.status).toBe(404);
        const html = await page.text();
        expect(html).toContain('This link is not valid');
        expect(html).toMatch(/Sign in<\/a>/);
        expect((await post(path.split('?')[0]!, { action: 'validate', csrf: 'x' })).status).toBe(404);
      }
    });

    it('the review routes are rate limited per client address', async () => {
      const address = '203.0.113.77';
      const statuses: number[] = [];
      for (let i = 0; i < 41; i++) statuses.push((await get(`/review/${'C'.repeat(43)}`, { 'x-forwarded-for': address })).status);
      expect(statuses.slice(0, 40).every((status) => status === 404)).toBe(true);
      expect(statuses[40]).toBe(429);
      expect((await post(`/review/${'C'.repeat(43)}`, { action: 'validate' }, { 'x-forwarded-for': address })).status).toBe(429);
    });

    it('a task handed to another reviewer kills the old reviewer’s link; the new reviewer gets the mail', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const form = await openForm(path);
      await app.sql(`update external_certificates set reviewer_id = $2, fallback_reviewer_id = null, reviewer_tier = 'platform-admin' where id = $1`, [task.id, users.admin!.id]);
      await record(
        new ReviewerChanged({
          externalCertificateId: task.id,
          userId: users.lars!.id,
          learnerName: users.lars!.name,
          name: task.name,
          previousReviewerId: users.manager!.id,
          reviewerId: users.admin!.id,
          reviewerTier: 'platform-admin',
          fallbackReviewerId: null,
          reason: 'reassigned',
          changedAt: new Date().toISOString(),
        }),
      );
      const handedOver = await mailAbout(users.admin!.email, task, /^Handed to you/);
      const newPath = reviewPath(handedOver);
      const before = await snapshot(task.id);
      const page = await get(path);
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('no longer yours');
      expect((await submit(path, 'validate', { name: task.name }, form)).status).toBe(410);
      expect(await snapshot(task.id)).toEqual(before);
      expect((await get(newPath)).status).toBe(200);
    });

    it('a hand-over ends the links of whoever lost the task for good, even if that person becomes fallback again', async () => {
      // Planted with a reviewer who may not review lars@ (lucy@, a learner): the re-check hands it to his manager.
      const task = await plantTask({ reviewer: 'lucy' });
      const path = reviewPath(await mailAbout(users.lucy!.email, task));
      const report = await app.running.app
        .get(MikroORM)
        .em.fork()
        .transactional((em) => app.running.app.get(ReviewerReassignment).recheck(em, [task.id]));
      expect(report.moved).toEqual([task.id]);
      const [link] = await linkRows(task.id);
      expect(link).toMatchObject({ reviewer_id: users.lucy!.id, used_at: null });
      expect(link!.ended_at).not.toBeNull();
      await app.sql(`update external_certificates set fallback_reviewer_id = $2 where id = $1`, [task.id, users.lucy!.id]);
      const page = await get(path);
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('no longer yours');
    });

    it('a reviewer who lost the right to review cannot decide, by link or API, before anything moves the task', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const form = await openForm(path);
      const manager = await new Http(app.url).login(users.manager!.email);
      // The relation ends without any event (the sweep is off in this file): the task still names manager@.
      const [relation] = await app.sql<{ kind: string }>(`delete from manager_relations where manager_id = $1 and managee_id = $2 returning kind`, [
        users.manager!.id,
        users.lars!.id,
      ]);
      expect(relation).toBeDefined();
      try {
        const before = await snapshot(task.id);
        expect((await taskState(task.id))[0]).toMatchObject({ reviewer_id: users.manager!.id });
        const page = await get(path);
        expect(page.status).toBe(410);
        expect(await page.text()).toContain('no longer yours');
        const posted = await submit(path, 'validate', { name: task.name }, form);
        expect(posted.status).toBe(410);
        expect(await posted.text()).toContain('no longer yours');
        expect((await manager.post(`/api/external-certificates/${task.id}/validate`, {})).status).toBe(404);
        expect(await snapshot(task.id)).toEqual(before);
      } finally {
        await app.sql(`insert into manager_relations (manager_id, managee_id, kind) values ($1, $2, $3)`, [users.manager!.id, users.lars!.id, relation!.kind]);
      }
      expect((await manager.post(`/api/external-certificates/${task.id}/validate`, {})).status).toBe(200);
    });

    it('a link of a reviewer who is no longer active works no more, even before the task is handed over', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const form = await openForm(path);
      await app.sql(`update users set status = 'deleted' where id = $1`, [users.manager!.id]);
      try {
        const before = await snapshot(task.id);
        const page = await get(path);
        expect(page.status).toBe(410);
        expect(await page.text()).toContain('no longer yours');
        expect((await submit(path, 'validate', { name: task.name }, form)).status).toBe(410);
        expect(await snapshot(task.id)).toEqual(before);
      } finally {
        await app.sql(`update users set status = 'active' where id = $1`, [users.manager!.id]);
      }
    });

    it('a POST without the CSRF value, with a wrong one, without its cookie, or from another site is refused and keeps the link', async () => {
      const task = await plantTask();
      const path = reviewPath(await mailAbout(users.manager!.email, task));
      const form = await openForm(path);
      const other = await openForm(path);
      const before = await snapshot(task.id);
      const fields = { name: task.name, deliveredOn: '2026-10-01', expiresOn: '', definitionId: '', comment: '', action: 'validate', ...form.hidden };
      const attempts = [
        post(path, fields, { cookie: form.cookie }),
        post(path, { ...fields, csrf: `${form.csrf.slice(0, -2)}xx` }, { cookie: form.cookie }),
        post(path, { ...fields, csrf: form.csrf }),
        post(path, { ...fields, csrf: form.csrf }, { cookie: other.cookie === form.cookie ? 'cit_review_csrf=' + 'B'.repeat(43) : other.cookie }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('could not be verified');
      }
      const crossSite = await post(path, { ...fields, csrf: form.csrf }, { cookie: form.cookie, origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      expect(await crossSite.text()).toContain('another site');
      expect(await snapshot(task.id)).toEqual(before);
      // The page's own form, with Origin: null as a no-referrer page sends it, still works.
      const done = await post(path, { ...fields, csrf: form.csrf }, { cookie: form.cookie, origin: 'null' });
      expect(done.status).toBe(200);
    });

    it('a mail whose task was decided before it went out fails for good instead of carrying a link', async () => {
      const task = await plantTask({ state: 'validated' });
      const delivery = await eventually(async () => {
        const [row] = await app.sql<{ status: string; failure_reason: string | null }>(
          `select status, failure_reason from mail_deliveries where template = 'review-requested' and params->>'externalCertificateId' = $1`,
          [task.id],
        );
        return row?.status === 'failed' ? row : undefined;
      });
      expect(delivery.failure_reason).toMatch(/^REVIEW_LINK_DEAD/);
      expect(await linkRows(task.id)).toEqual([]);
      expect(app.mail.list().some((mail) => mail.subject.includes(task.name))).toBe(false);
    });
  });
});
