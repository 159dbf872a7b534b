import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { PasswordChanged, type PasswordChangedPayload } from '#libs/contracts/users/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { MailDeliveries } from '../mail-deliveries.js';

/** "Your password was changed", so that someone whose password was changed by somebody else finds out. */
@Injectable()
@SubscribesTo(PasswordChanged, 'notifications.password-changed-mail')
export class QueuePasswordChangedMail implements IntegrationEventSubscriber<PasswordChangedPayload> {
  constructor(private readonly deliveries: MailDeliveries) {}

  async handle({ id, payload }: DeliveredEvent<PasswordChangedPayload>, em: EntityManager): Promise<void> {
    await this.deliveries.request(em, [
      {
        eventId: id,
        template: 'password-changed',
        recipientUserId: payload.userId,
        recipientEmail: payload.email,
        language: payload.language,
        params: { firstName: payload.firstName, changedAt: payload.changedAt },
      },
    ]);
  }
}
