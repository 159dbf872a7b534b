import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import {
  ExternalCertificateSubmitted,
  ReviewerChanged,
  type ExternalCertificateSubmittedPayload,
  type ReviewerChangedPayload,
} from '#libs/contracts/validation/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

async function notifyReviewer(em: EntityManager, reviewerId: string, titleKey: string, payload: { externalCertificateId: string; learnerName: string; name: string }) {
  await (em as SqlEntityManager).execute(
    `insert into in_app_notifications (id, user_id, kind, title_key, params, link) values (?, ?, 'review-requested', ?, ?::jsonb, ?)`,
    [
      randomUUID(),
      reviewerId,
      titleKey,
      JSON.stringify({ learnerName: payload.learnerName, name: payload.name }),
      `/api/external-certificates/${payload.externalCertificateId}`,
    ],
  );
}

/** An in-app notice for the reviewer of a newly submitted external certificate (the inbox makes it once per event). */
@Injectable()
@SubscribesTo(ExternalCertificateSubmitted, 'notifications.review-requested')
export class NotifyOnExternalCertificateSubmitted implements IntegrationEventSubscriber<ExternalCertificateSubmittedPayload> {
  handle({ payload }: DeliveredEvent<ExternalCertificateSubmittedPayload>, em: EntityManager): Promise<void> {
    return notifyReviewer(em, payload.reviewerId, 'NOTIFICATIONS.REVIEW_REQUESTED', payload);
  }
}

/** An in-app notice for the new reviewer of a task that changed hands. */
@Injectable()
@SubscribesTo(ReviewerChanged, 'notifications.reviewer-changed')
export class NotifyOnReviewerChanged implements IntegrationEventSubscriber<ReviewerChangedPayload> {
  handle({ payload }: DeliveredEvent<ReviewerChangedPayload>, em: EntityManager): Promise<void> {
    return notifyReviewer(em, payload.reviewerId, 'NOTIFICATIONS.REVIEW_HANDED_OVER', payload);
  }
}
