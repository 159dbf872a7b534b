import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { PasswordResetRequested, type PasswordResetRequestedPayload } from '#libs/contracts/users/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { MailDeliveries } from '../mail-deliveries.js';

/** A password reset mail with a one-time reset link (issued when the mail is rendered). */
@Injectable()
@SubscribesTo(PasswordResetRequested, 'notifications.password-reset-mail')
export class QueuePasswordResetMail implements IntegrationEventSubscriber<PasswordResetRequestedPayload> {
  constructor(private readonly deliveries: MailDeliveries) {}

  async handle({ id, payload }: DeliveredEvent<PasswordResetRequestedPayload>, em: EntityManager): Promise<void> {
    await this.deliveries.request(em, [
      { eventId: id, template: 'password-reset', recipientUserId: payload.userId, recipientEmail: payload.email, language: payload.language, params: { firstName: payload.firstName } },
    ]);
  }
}
