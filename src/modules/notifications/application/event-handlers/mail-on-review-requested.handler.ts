import type { EntityManager } from '@mikro-orm/core';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { GetPrincipalQuery, type Principal } from '#libs/contracts/users/index.js';
import {
  ExternalCertificateSubmitted,
  ReviewerChanged,
  ReviewReminderDue,
  type ExternalCertificateSubmittedPayload,
  type ReviewerChangedPayload,
  type ReviewReminderDuePayload,
} from '#libs/contracts/validation/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { MailDeliveries } from '../mail-deliveries.js';

/** A user as they are now (address, language, name); undefined for an account that is no longer active. */
export function currentUser(orm: MikroORM, queries: QueryBus, userId: string): Promise<Principal | undefined> {
  return RequestContext.create(orm.em.fork(), () => queries.execute(new GetPrincipalQuery(userId)));
}

/**
 * The review-requested mail to a reviewer, once per event: the certificate and the review links (issued
 * when the mail is rendered). Nothing for a reviewer whose account is no longer active.
 */
async function requestReviewMail(
  deliveries: MailDeliveries,
  em: EntityManager,
  reviewer: Principal | undefined,
  eventId: string,
  certificate: { externalCertificateId: string; learnerName: string; name: string; deliveredOn: string | null; expiresOn: string | null },
  reassigned: boolean,
): Promise<void> {
  if (!reviewer) return;
  await deliveries.request(em, [
    {
      eventId,
      template: 'review-requested',
      recipientUserId: reviewer.userId,
      recipientEmail: reviewer.email,
      language: reviewer.language,
      params: { ...certificate, recipientName: reviewer.displayName, reassigned },
    },
  ]);
}

/**
 * Mails the reviewer of a newly submitted external certificate: the certificate, and three links (review,
 * validate, reject: the same review link, the last two preselecting the action), issued when the mail is
 * rendered. Once per event and reviewer; an inactive reviewer gets none.
 */
@Injectable()
@SubscribesTo(ExternalCertificateSubmitted, 'notifications.review-requested-mail')
export class MailOnExternalCertificateSubmitted implements IntegrationEventSubscriber<ExternalCertificateSubmittedPayload> {
  constructor(
    private readonly deliveries: MailDeliveries,
    private readonly queries: QueryBus,
    private readonly orm: MikroORM,
  ) {}

  async handle({ id, payload }: DeliveredEvent<ExternalCertificateSubmittedPayload>, em: EntityManager): Promise<void> {
    const reviewer = await currentUser(this.orm, this.queries, payload.reviewerId);
    const { externalCertificateId, learnerName, name, deliveredOn, expiresOn } = payload;
    await requestReviewMail(this.deliveries, em, reviewer, id, { externalCertificateId, learnerName, name, deliveredOn, expiresOn }, false);
  }
}

/** The new reviewer of a task that changed hands gets the review-requested mail (the old one's links are dead). */
@Injectable()
@SubscribesTo(ReviewerChanged, 'notifications.reviewer-changed-mail')
export class MailOnReviewerChanged implements IntegrationEventSubscriber<ReviewerChangedPayload> {
  constructor(
    private readonly deliveries: MailDeliveries,
    private readonly queries: QueryBus,
    private readonly orm: MikroORM,
  ) {}

  async handle({ id, payload }: DeliveredEvent<ReviewerChangedPayload>, em: EntityManager): Promise<void> {
    const reviewer = await currentUser(this.orm, this.queries, payload.reviewerId);
    // The event does not carry the dates; the review page shows them.
    const { externalCertificateId, learnerName, name } = payload;
    await requestReviewMail(this.deliveries, em, reviewer, id, { externalCertificateId, learnerName, name, deliveredOn: null, expiresOn: null }, true);
  }
}

/** A reminder to the reviewer, or the escalation to the fallback reviewer, with a fresh review link. */
@Injectable()
@SubscribesTo(ReviewReminderDue, 'notifications.review-reminder-mail')
export class MailOnReviewReminderDue implements IntegrationEventSubscriber<ReviewReminderDuePayload> {
  constructor(
    private readonly deliveries: MailDeliveries,
    private readonly queries: QueryBus,
    private readonly orm: MikroORM,
  ) {}

  async handle({ id, payload }: DeliveredEvent<ReviewReminderDuePayload>, em: EntityManager): Promise<void> {
    const recipient = await currentUser(this.orm, this.queries, payload.recipientId);
    if (!recipient) return;
    await this.deliveries.request(em, [
      {
        eventId: id,
        template: 'review-reminder',
        recipientUserId: recipient.userId,
        recipientEmail: recipient.email,
        language: recipient.language,
        params: {
          externalCertificateId: payload.externalCertificateId,
          recipientName: recipient.displayName,
          learnerName: payload.learnerName,
          name: payload.name,
          submittedAt: payload.submittedAt,
          escalation: payload.kind === 'escalation',
        },
      },
    ]);
  }
}
