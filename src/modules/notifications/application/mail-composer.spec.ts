import type { CommandBus } from '@nestjs/cqrs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '#libs/config/app-config.js';
import type { ClaimedDelivery } from '../infrastructure/mail-delivery-log.js';
import { MailTemplates } from '../infrastructure/mail-templates.js';
import { MailComposer, PermanentMailFailure, type LinksByDelivery } from './mail-composer.js';

describe('MailComposer.compose', () => {
  const templates = new MailTemplates();
  templates.onModuleInit();
  // compose() only renders: the command bus and the ORM are for issueLinks(), not used here
  const composer = new MailComposer(templates, undefined as unknown as CommandBus, undefined as unknown as MikroORM, { publicUrl: 'https://x.example' } as AppConfig);
  const delivery = (template: ClaimedDelivery['template']): ClaimedDelivery => ({
    id: 'd-1', event_id: 'e-1', template, recipient_user_id: 'u-1', recipient_email: 'Kim@Example.com', language: 'en', params: { firstName: 'Kim' }, attempts: 1,
  });
  const link = (email?: string): LinksByDelivery => new Map([['d-1', { url: 'https://x.example/account/set-password?token=t', expiresAt: '2026-12-01T10:00:00Z', email }]]);

  it('mails the link to the address the account has now, whatever its case', () => {
    expect(composer.compose(delivery('welcome'), link('kim@example.com')).text).toContain('https://x.example/account/set-password?token=t');
    expect(composer.compose(delivery('welcome'), link()).text).toContain('token=t');
  });

  it('refuses a link for an account whose address changed since the mail was asked for', () => {
    for (const template of ['welcome', 'password-reset', 'account-updated'] as const) {
      expect(() => composer.compose(delivery(template), link('kim.new@example.com'))).toThrow(PermanentMailFailure);
      expect(() => composer.compose(delivery(template), link('kim.new@example.com'))).toThrow(/^RECIPIENT_CHANGED/);
    }
  });

  it('tells an existing user their account details were updated, not that an account was created', () => {
    const mail = composer.compose(delivery('account-updated'), link('kim@example.com'));
    expect(mail.subject).toBe('Your account details for Credential Import were updated');
    expect(mail.text).not.toContain('created');
    expect(mail.text).toContain('Sign in as usual at https://x.example');
    expect(mail.text).toContain('until 1 December 2026 at 10:00 UTC');
  });

  it('puts the review link and its two preselecting variants in a reviewer’s mail, and refuses one whose link is no longer issuable', () => {
    const review: ClaimedDelivery = {
      ...delivery('review-requested'),
      params: { externalCertificateId: 'c-1', recipientName: 'Mia', learnerName: 'Lars', name: 'First aid', deliveredOn: '2026-11-01', expiresOn: null, reassigned: false },
    };
    const links: LinksByDelivery = new Map([['d-1', { url: 'https://x.example/review/tok', expiresAt: '2026-12-07T12:00:00Z' }]]);
    const mail = composer.compose(review, links);
    expect(mail.text).toContain('https://x.example/review/tok\n');
    expect(mail.text).toContain('https://x.example/review/tok?action=validate');
    expect(mail.text).toContain('https://x.example/review/tok?action=reject');
    expect(mail.text).toContain('Delivered on: 1 November 2026');
    expect(mail.text).toContain('until 7 December 2026 at 12:00 UTC');
    expect(() => composer.compose(review, new Map([['d-1', undefined]]))).toThrow(PermanentMailFailure);
    expect(() => composer.compose(review, new Map())).toThrow(/^REVIEW_LINK_DEAD/);
  });
});
