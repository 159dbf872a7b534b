import type { EntityManager } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import {
  ExternalCertificateRejected,
  ExternalCertificateValidated,
  type ExternalCertificateDecidedPayload,
} from '#libs/contracts/validation/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import type { MailTemplateName } from '../../domain/mail-template.js';
import { MailDeliveries } from '../mail-deliveries.js';
import { currentUser } from './mail-on-review-requested.handler.js';

/** The outcome mail to the learner (their address and language as they are now; an inactive learner gets none). */
async function mailOutcome(
  template: MailTemplateName,
  { id, payload }: DeliveredEvent<ExternalCertificateDecidedPayload>,
  em: EntityManager,
  deps: { deliveries: MailDeliveries; queries: QueryBus; orm: MikroORM },
): Promise<void> {
  const learner = await currentUser(deps.orm, deps.queries, payload.userId);
  if (!learner) return;
  const decider = await currentUser(deps.orm, deps.queries, payload.decidedBy);
  await deps.deliveries.request(em, [
    {
      eventId: id,
      template,
      recipientUserId: learner.userId,
      recipientEmail: learner.email,
      language: learner.language,
      params: {
        externalCertificateId: payload.externalCertificateId,
        recipientName: learner.displayName,
        name: payload.name,
        deliveredOn: payload.deliveredOn,
        decidedAt: payload.decidedAt,
        reviewerName: decider?.displayName ?? (learner.language === 'nl' ? 'een beoordelaar' : 'a reviewer'),
        comment: payload.comment,
      },
    },
  ]);
}

/** Tells the learner their external certificate was validated (with the reviewer's comment, if any). */
@Injectable()
@SubscribesTo(ExternalCertificateValidated, 'notifications.external-certificate-validated-mail')
export class MailOnExternalCertificateValidated implements IntegrationEventSubscriber<ExternalCertificateDecidedPayload> {
  constructor(
    readonly deliveries: MailDeliveries,
    readonly queries: QueryBus,
    readonly orm: MikroORM,
  ) {}

  handle(event: DeliveredEvent<ExternalCertificateDecidedPayload>, em: EntityManager): Promise<void> {
    return mailOutcome('external-certificate-validated', event, em, this);
  }
}

/** Tells the learner their external certificate was rejected, with the reviewer's comment (the reason). */
@Injectable()
@SubscribesTo(ExternalCertificateRejected, 'notifications.external-certificate-rejected-mail')
export class MailOnExternalCertificateRejected implements IntegrationEventSubscriber<ExternalCertificateDecidedPayload & { comment: string }> {
  constructor(
    readonly deliveries: MailDeliveries,
    readonly queries: QueryBus,
    readonly orm: MikroORM,
  ) {}

  handle(event: DeliveredEvent<ExternalCertificateDecidedPayload & { comment: string }>, em: EntityManager): Promise<void> {
    return mailOutcome('external-certificate-rejected', event, em, this);
  }
}
