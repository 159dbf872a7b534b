import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { AppConfig } from '#libs/config/app-config.js';
import { IssuePasswordLinkCommand, type PasswordLinkPurpose } from '#libs/contracts/users/index.js';
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
  'password-reset': 'reset',
};

/** Turns a claimed delivery into the mail to send, right before it is sent. */
@Injectable()
export class MailComposer {
  constructor(
    private readonly templates: MailTemplates,
    private readonly commands: CommandBus,
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  async compose(delivery: ClaimedDelivery): Promise<RenderedMail> {
    const values: TemplateValues = {
      product: PRODUCT_NAME,
      email: delivery.recipient_email,
      signInUrl: this.config.publicUrl,
      ...delivery.params,
    };
    const purpose = LINK_PURPOSE[delivery.template];
    if (purpose) {
      // Issued now, at render time, so the plain token exists only in this mail (never in the log or the
      // event); a retry issues a new link, which ends the one of the attempt that did not go out.
      const link = await RequestContext.create(this.orm.em.fork(), () =>
        this.commands.execute(new IssuePasswordLinkCommand(delivery.recipient_user_id, purpose)),
      );
      if (!link) throw new PermanentMailFailure('the recipient is no longer an active user');
      values.link = link.url;
      values.expiresAt = formatTime(link.expiresAt, delivery.language);
    }
    if (typeof values.changedAt === 'string') values.changedAt = formatTime(values.changedAt, delivery.language);
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
