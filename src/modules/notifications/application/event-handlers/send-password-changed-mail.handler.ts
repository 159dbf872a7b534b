import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { PasswordChanged, type PasswordChangedPayload } from '#libs/contracts/users/index.js';
import { isLanguage, translate } from '#libs/i18n/i18n.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { PRODUCT_NAME } from '../../domain/messages.js';
import { MailSender } from '../../infrastructure/mail-sender.js';

/**
 * "Your password was changed", so that someone whose password was changed by somebody else finds out.
 * At least once, like the welcome mail: the Message-ID comes from the event id.
 */
@Injectable()
@SubscribesTo(PasswordChanged, 'notifications.password-changed-mail')
export class SendPasswordChangedMail implements IntegrationEventSubscriber<PasswordChangedPayload> {
  constructor(
    private readonly mail: MailSender,
    private readonly config: AppConfig,
  ) {}

  async handle(event: DeliveredEvent<PasswordChangedPayload>, _em: EntityManager): Promise<void> {
    const user = event.payload;
    const language = isLanguage(user.language) ? user.language : 'en';
    const params = { product: PRODUCT_NAME, firstName: user.firstName, email: user.email, url: this.config.publicUrl, changedAt: user.changedAt };
    await this.mail.send({
      to: user.email,
      subject: translate('NOTIFICATIONS.PASSWORD_CHANGED_SUBJECT', language, params),
      text: translate('NOTIFICATIONS.PASSWORD_CHANGED_BODY', language, params),
      messageId: `<${event.id}@credential-import>`,
    });
  }
}
