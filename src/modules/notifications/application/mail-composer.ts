import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { AppConfig } from '#libs/config/app-config.js';
import { IssuePasswordLinksCommand, type PasswordLink, type PasswordLinkPurpose } from '#libs/contracts/users/index.js';
import { IssueReviewLinksCommand, reviewLinkKey, type ReviewLink, type ReviewLinkRequest } from '#libs/contracts/validation/index.js';
import type { RenderedMail, TemplateValues } from '../domain/mail-template.js';
import { PRODUCT_NAME } from '../domain/messages.js';
import type { ClaimedDelivery } from '../infrastructure/mail-delivery-log.js';
import { MailTemplates } from '../infrastructure/mail-templates.js';

/** A delivery that will never succeed (no retry): the recipient is no longer active, the template is broken. */
export class PermanentMailFailure extends Error {
  override name = 'PermanentMailFailure';
}

const LINK_PURPOSE: Partial<Record<ClaimedDelivery['template'], PasswordLinkPurpose>> = {
  welcome: 'welcome',
  'account-updated': 'reset',
  'password-reset': 'reset',
};

/** Templates that carry a review link (issued for the recipient, a reviewer, on the task in params.externalCertificateId). */
const REVIEW_LINK_TEMPLATES: ReadonlySet<ClaimedDelivery['template']> = new Set(['review-requested', 'review-reminder']);

/**
 * The links of a batch of deliveries, by delivery id: set-password links (undefined for a recipient no
 * longer active) and review links (undefined when the task was decided or reassigned since).
 */
export type LinksByDelivery = Map<string, PasswordLink | ReviewLink | undefined>;

/** The review link a delivery asks for: the recipient, on the task its params name. */
function reviewLinkRequest(delivery: ClaimedDelivery): ReviewLinkRequest {
  return { externalCertificateId: String(delivery.params.externalCertificateId), reviewerId: delivery.recipient_user_id };
}

/** Turns claimed deliveries into the mails to send, right before they are sent. */
@Injectable()
export class MailComposer {
  constructor(
    private readonly templates: MailTemplates,
    private readonly commands: CommandBus,
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  /**
   * Issues the set-password links the batch's welcome and reset mails carry: now, at render time, so the
   * plain token exists only in the mail (never in the log or the event), one command per purpose for the
   * whole batch. A retry issues new links, which end the ones of the attempt that did not go out.
   */
  async issueLinks(deliveries: ClaimedDelivery[]): Promise<LinksByDelivery> {
    const links: LinksByDelivery = new Map();
    for (const purpose of ['welcome', 'reset'] as const) {
      const needing = deliveries.filter((delivery) => LINK_PURPOSE[delivery.template] === purpose);
      if (needing.length === 0) continue;
      const byUser = await RequestContext.create(this.orm.em.fork(), () =>
        this.commands.execute(new IssuePasswordLinksCommand(needing.map((delivery) => delivery.recipient_user_id), purpose)),
      );
      for (const delivery of needing) links.set(delivery.id, byUser[delivery.recipient_user_id]);
    }
    // Review links: one command for the batch; a task decided or reassigned since gets none.
    const reviewing = deliveries.filter((delivery) => REVIEW_LINK_TEMPLATES.has(delivery.template));
    if (reviewing.length > 0) {
      const byKey = await RequestContext.create(this.orm.em.fork(), () => this.commands.execute(new IssueReviewLinksCommand(reviewing.map(reviewLinkRequest))));
      for (const delivery of reviewing) links.set(delivery.id, byKey[reviewLinkKey(reviewLinkRequest(delivery))]);
    }
    return links;
  }

  compose(delivery: ClaimedDelivery, links: LinksByDelivery): RenderedMail {
    const values: TemplateValues = {
      product: PRODUCT_NAME,
      email: delivery.recipient_email,
      signInUrl: this.config.publicUrl,
      ...delivery.params,
    };
    if (LINK_PURPOSE[delivery.template]) {
      const link = links.get(delivery.id) as PasswordLink | undefined;
      if (!link) throw new PermanentMailFailure('the recipient is no longer an active user');
      // The account's address changed since the mail was asked for: its link must not go to the old one.
      if (link.email !== undefined && link.email.toLowerCase() !== delivery.recipient_email.toLowerCase()) {
        throw new PermanentMailFailure('RECIPIENT_CHANGED: the account has another email address now; no link is mailed to the old one');
      }
      values.link = link.url;
      values.expiresAt = formatTime(link.expiresAt, delivery.language);
    }
    if (REVIEW_LINK_TEMPLATES.has(delivery.template)) {
      const link = links.get(delivery.id);
      if (!link) throw new PermanentMailFailure('REVIEW_LINK_DEAD: the review was decided or handed to another reviewer since; no link is mailed');
      values.reviewLink = link.url;
      values.validateLink = `${link.url}?action=validate`;
      values.rejectLink = `${link.url}?action=reject`;
      values.linkExpiresAt = formatTime(link.expiresAt, delivery.language);
    }
    if (typeof values.changedAt === 'string') values.changedAt = formatTime(values.changedAt, delivery.language);
    for (const name of ['submittedAt', 'decidedAt'] as const) {
      if (typeof values[name] === 'string') values[name] = formatTime(values[name], delivery.language);
    }
    for (const name of ['deliveredOn', 'expiresOn'] as const) {
      if (typeof values[name] === 'string') values[name] = formatDate(values[name], delivery.language);
    }
    try {
      return this.templates.render(delivery.template, delivery.language, values);
    } catch (error) {
      throw new PermanentMailFailure(`template ${delivery.template}: ${(error as Error).message}`);
    }
  }
}

const TIME_FORMATS = {
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }),
  nl: new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }),
};

function formatTime(iso: string, language: string): string {
  return `${(language === 'nl' ? TIME_FORMATS.nl : TIME_FORMATS.en).format(new Date(iso))} UTC`;
}

const DATE_FORMATS = {
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
  nl: new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'UTC' }),
};

/** A calendar date (YYYY-MM-DD) in words; anything else as it is. */
function formatDate(date: string, language: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  return (language === 'nl' ? DATE_FORMATS.nl : DATE_FORMATS.en).format(new Date(`${date}T00:00:00Z`));
}
