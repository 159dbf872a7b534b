import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { WelcomeMailRequested, type WelcomeMailRequestedPayload } from '#libs/contracts/users/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import type { NewDelivery } from '../../infrastructure/mail-delivery-log.js';
import { MailDeliveries } from '../mail-deliveries.js';

/**
 * A welcome mail with a set-password link (issued when the mail is rendered), once per event and user; for
 * an account that existed before (accountCreated false), an "account details updated" mail with a link
 * to choose a new password (a reset link, as short-lived as one) instead.
 */
@Injectable()
@SubscribesTo(WelcomeMailRequested, 'notifications.welcome-mail-requested')
export class QueueWelcomeMail implements IntegrationEventSubscriber<WelcomeMailRequestedPayload> {
  constructor(private readonly deliveries: MailDeliveries) {}

  handle(event: DeliveredEvent<WelcomeMailRequestedPayload>, em: EntityManager): Promise<void> {
    return this.handleBatch([event], em);
  }

  async handleBatch(events: DeliveredEvent<WelcomeMailRequestedPayload>[], em: EntityManager): Promise<void> {
    await this.deliveries.request(em, events.map(toDelivery));
  }
}

function toDelivery({ id, payload }: DeliveredEvent<WelcomeMailRequestedPayload>): NewDelivery {
  return {
    eventId: id,
    template: payload.accountCreated === false ? 'account-updated' : 'welcome',
    recipientUserId: payload.userId,
    recipientEmail: payload.email,
    language: payload.language,
    params: { firstName: payload.firstName },
  };
}
