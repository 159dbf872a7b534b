import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { UserCreated, type UserCreatedPayload } from '#libs/contracts/users/index.js';
import { isLanguage, translate } from '#libs/i18n/i18n.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { PRODUCT_NAME } from '../../domain/messages.js';
import { MailSender } from '../../infrastructure/mail-sender.js';

/**
 * Welcome mail for a new account, in the user's language. Delivery is at least once: the inbox makes
 * a redelivered event a no-op, but a crash between sending and committing can send the mail again;
 * the Message-ID derived from the event id lets mail systems recognise that duplicate.
 */
@Injectable()
@SubscribesTo(UserCreated, 'notifications.welcome-mail')
export class SendWelcomeMailOnUserCreated implements IntegrationEventSubscriber<UserCreatedPayload> {
  constructor(
    private readonly mail: MailSender,
    private readonly config: AppConfig,
  ) {}

  async handle(event: DeliveredEvent<UserCreatedPayload>, _em: EntityManager): Promise<void> {
    const user = event.payload;
    if (!user.sendWelcomeMail) return;
    const language = isLanguage(user.language) ? user.language : 'en';
    const params = { product: PRODUCT_NAME, firstName: user.firstName, email: user.email, url: this.config.publicUrl };
    await this.mail.send({
      to: user.email,
      subject: translate('NOTIFICATIONS.WELCOME_SUBJECT', language, params),
      text: translate('NOTIFICATIONS.WELCOME_BODY', language, params),
      messageId: `<${event.id}@credential-import>`,
    });
  }
}
