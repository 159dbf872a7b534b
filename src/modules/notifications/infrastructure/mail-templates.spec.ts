import { describe, expect, it } from 'vitest';
import { SUPPORTED_LANGUAGES } from '#libs/i18n/i18n.js';
import { MAIL_TEMPLATE_NAMES, type TemplateValues } from '../domain/mail-template.js';
import { MailTemplates } from './mail-templates.js';

const VALUES: Record<(typeof MAIL_TEMPLATE_NAMES)[number], TemplateValues> = {
  welcome: { firstName: 'Kim', link: 'https://x.example/account/set-password?token=abc', expiresAt: '1 Dec 2026' },
  'account-updated': { firstName: 'Kim', link: 'https://x.example/account/set-password?token=abc', expiresAt: '1 Dec 2026' },
  'password-reset': { firstName: 'Kim', link: 'https://x.example/account/set-password?token=abc', expiresAt: '1 Dec 2026' },
  'password-changed': { firstName: 'Kim', changedAt: '1 Dec 2026' },
  'import-completed': {
    importId: 'i-1', importType: 'users', fileName: 'people.xlsx', validateOnly: false, completed: false, completedWithErrors: true, failed: false,
    cancelled: false, expired: false, totalRows: 10, succeededRows: 7, failedRows: 2, skippedRows: 1, warningRows: 3, logUrl: 'https://x.example/api/imports/i-1/rows',
  },
  'review-requested': {
    externalCertificateId: 'c-1', recipientName: 'Mia Manager', learnerName: 'Lars Learner', name: 'First aid', deliveredOn: '1 November 2026', expiresOn: null,
    reassigned: false, reviewLink: 'https://x.example/review/t', validateLink: 'https://x.example/review/t?action=validate',
    rejectLink: 'https://x.example/review/t?action=reject', linkExpiresAt: '7 December 2026 at 12:00 UTC',
  },
  'review-reminder': {
    externalCertificateId: 'c-1', recipientName: 'Mia Manager', learnerName: 'Lars Learner', name: 'First aid', submittedAt: '1 November 2026 at 12:00 UTC',
    escalation: true, reviewLink: 'https://x.example/review/t', validateLink: 'https://x.example/review/t?action=validate',
    rejectLink: 'https://x.example/review/t?action=reject', linkExpiresAt: '7 December 2026 at 12:00 UTC',
  },
  'external-certificate-validated': {
    externalCertificateId: 'c-1', recipientName: 'Lars Learner', name: 'First aid', deliveredOn: '1 November 2026', decidedAt: '2 November 2026 at 12:00 UTC',
    reviewerName: 'Mia Manager', comment: null,
  },
  'external-certificate-rejected': {
    externalCertificateId: 'c-1', recipientName: 'Lars Learner', name: 'First aid', deliveredOn: '1 November 2026', decidedAt: '2 November 2026 at 12:00 UTC',
    reviewerName: 'Mia Manager', comment: 'The scan is unreadable',
  },
};

describe('the template files', () => {
  const templates = new MailTemplates();
  templates.onModuleInit();

  for (const name of MAIL_TEMPLATE_NAMES) {
    for (const language of SUPPORTED_LANGUAGES) {
      it(`${name} renders in ${language}: subject, text and HTML, no placeholder left`, () => {
        const mail = templates.render(name, language, { product: 'Credential Import', email: 'kim@example.com', signInUrl: 'https://x.example', ...VALUES[name] });
        expect(mail.subject.length).toBeGreaterThan(5);
        expect(mail.subject).not.toContain('{{');
        expect(mail.text).not.toMatch(/\{\{|\}\}/);
        expect(mail.html).toMatch(/^<!doctype html>/);
        expect(mail.html).toContain(`lang="${language}"`);
        expect(mail.html).not.toMatch(/\{\{|\}\}/);
      });
    }
  }

  it('picks the language, and falls back to English for one without templates', () => {
    const values = { product: 'P', email: 'e', signInUrl: 'u', ...VALUES.welcome };
    expect(templates.render('welcome', 'nl', values).text).toContain('Hallo Kim');
    expect(templates.render('welcome', 'en', values).text).toContain('Hello Kim');
    expect(templates.render('welcome', 'fr', values).text).toContain('Hello Kim');
  });

  it('gives the reviewer the three links, and the learner the reason of a rejection', () => {
    const base = { product: 'P', email: 'e', signInUrl: 'u' };
    const requested = templates.render('review-requested', 'en', { ...base, ...VALUES['review-requested'] });
    expect(requested.subject).toBe('Please review the certificate "First aid" of Lars Learner');
    for (const link of ['https://x.example/review/t', 'https://x.example/review/t?action=validate', 'https://x.example/review/t?action=reject']) {
      expect(requested.text).toContain(`${link}\n`);
      expect(requested.html).toContain(`href="${link}"`);
    }
    expect(requested.text).toContain('Delivered on: 1 November 2026');
    expect(requested.text).not.toContain('Expires on');
    const reminder = templates.render('review-reminder', 'nl', { ...base, ...VALUES['review-reminder'] });
    expect(reminder.subject).toBe('Wacht nog op een beoordelaar: het certificaat "First aid" van Lars Learner');
    const rejected = templates.render('external-certificate-rejected', 'en', { ...base, ...VALUES['external-certificate-rejected'] });
    expect(rejected.text).toContain('The scan is unreadable');
    expect(rejected.html).toContain('<blockquote>The scan is unreadable</blockquote>');
  });

  it('tells counts and status of an import in both languages', () => {
    const values = { product: 'P', email: 'e', signInUrl: 'u', ...VALUES['import-completed'] };
    const en = templates.render('import-completed', 'en', values);
    expect(en.subject).toBe('Import of people.xlsx: finished with errors');
    expect(en.text).toContain('Succeeded: 7\nFailed: 2\nSkipped: 1');
    expect(en.html).toContain('href="https://x.example/api/imports/i-1/rows"');
    const nl = templates.render('import-completed', 'nl', { ...values, validateOnly: true, completedWithErrors: false, completed: true });
    expect(nl.subject).toBe('Controle van people.xlsx: klaar');
    expect(nl.text).toContain('Gelukt: 7');
  });
});
