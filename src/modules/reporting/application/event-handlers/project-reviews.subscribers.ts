import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import {
  ExternalCertificateRejected,
  ExternalCertificateSubmitted,
  ExternalCertificateValidated,
  ReviewerChanged,
  type ExternalCertificateDecidedPayload,
  type ExternalCertificateSubmittedPayload,
  type ReviewerChangedPayload,
} from '#libs/contracts/validation/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * The reviews read model (reporting_reviews): one row per review task with its learner, its reviewer,
 * when it was submitted and when and how it was decided. Fed by four events that may arrive in any order
 * (separate jobs, retries, several workers), so every write is an upsert that keeps the latest truth by
 * the events' own times, never by arrival:
 * - the submission time comes from any event that carries it (Submitted and the decisions do); a
 *   ReviewerChanged that arrives first holds the row with its own time until then;
 * - the reviewer is the one named by the latest event in time (submitted < changed < decided), kept with
 *   reviewer_at, so a late Submitted never puts the first reviewer back;
 * - the decision is the latest decision in time; a late Submitted never clears it.
 * Redelivery changes nothing (the inbox, and each upsert gives the same row again).
 */
async function upsert(
  em: EntityManager,
  row: {
    externalCertificateId: string;
    userId: string;
    reviewerId: string;
    /** When the reviewer was set, by the event's time. */
    reviewerAt: string;
    /** The true submission time, or null when the event does not carry it. */
    submittedAt: string | null;
    /** Only for a row that does not exist yet and an event without the submission time. */
    provisionalSubmittedAt?: string;
    decision?: { decidedAt: string; outcome: 'validated' | 'rejected'; decidedBy: string };
  },
): Promise<void> {
  await executeBound(
    em,
    `insert into reporting_reviews as r (external_certificate_id, user_id, reviewer_id, reviewer_at, submitted_at, decided_at, outcome, decided_by)
     values ($1, $2, $3, $4::timestamptz, coalesce($5::timestamptz, $6::timestamptz), $7::timestamptz, $8, $9)
     on conflict (external_certificate_id) do update set
       user_id = excluded.user_id,
       submitted_at = coalesce($5::timestamptz, r.submitted_at),
       reviewer_id = case when r.reviewer_at is null or excluded.reviewer_at >= r.reviewer_at then excluded.reviewer_id else r.reviewer_id end,
       reviewer_at = greatest(r.reviewer_at, excluded.reviewer_at),
       decided_at = case when excluded.decided_at is not null and (r.decided_at is null or excluded.decided_at >= r.decided_at) then excluded.decided_at else r.decided_at end,
       outcome = case when excluded.decided_at is not null and (r.decided_at is null or excluded.decided_at >= r.decided_at) then excluded.outcome else r.outcome end,
       decided_by = case when excluded.decided_at is not null and (r.decided_at is null or excluded.decided_at >= r.decided_at) then excluded.decided_by else r.decided_by end`,
    [
      row.externalCertificateId,
      row.userId,
      row.reviewerId,
      row.reviewerAt,
      row.submittedAt,
      row.provisionalSubmittedAt ?? row.reviewerAt,
      row.decision?.decidedAt ?? null,
      row.decision?.outcome ?? null,
      row.decision?.decidedBy ?? null,
    ],
  );
}

@Injectable()
@SubscribesTo(ExternalCertificateSubmitted, 'reporting.reviews.submitted')
export class ReviewSubmittedSubscriber implements IntegrationEventSubscriber<ExternalCertificateSubmittedPayload> {
  async handle({ payload }: DeliveredEvent<ExternalCertificateSubmittedPayload>, em: EntityManager): Promise<void> {
    await upsert(em, {
      externalCertificateId: payload.externalCertificateId,
      userId: payload.userId,
      reviewerId: payload.reviewerId,
      reviewerAt: payload.submittedAt,
      submittedAt: payload.submittedAt,
    });
  }
}

@Injectable()
@SubscribesTo(ReviewerChanged, 'reporting.reviews.reviewer-changed')
export class ReviewReviewerChangedSubscriber implements IntegrationEventSubscriber<ReviewerChangedPayload> {
  async handle({ payload }: DeliveredEvent<ReviewerChangedPayload>, em: EntityManager): Promise<void> {
    await upsert(em, {
      externalCertificateId: payload.externalCertificateId,
      userId: payload.userId,
      reviewerId: payload.reviewerId,
      reviewerAt: payload.changedAt,
      submittedAt: null,
      provisionalSubmittedAt: payload.changedAt,
    });
  }
}

function decided(payload: ExternalCertificateDecidedPayload, outcome: 'validated' | 'rejected') {
  return {
    externalCertificateId: payload.externalCertificateId,
    userId: payload.userId,
    reviewerId: payload.reviewerId,
    reviewerAt: payload.decidedAt,
    submittedAt: payload.submittedAt,
    decision: { decidedAt: payload.decidedAt, outcome, decidedBy: payload.decidedBy },
  };
}

@Injectable()
@SubscribesTo(ExternalCertificateValidated, 'reporting.reviews.validated')
export class ReviewValidatedSubscriber implements IntegrationEventSubscriber<ExternalCertificateDecidedPayload> {
  async handle({ payload }: DeliveredEvent<ExternalCertificateDecidedPayload>, em: EntityManager): Promise<void> {
    await upsert(em, decided(payload, 'validated'));
  }
}

@Injectable()
@SubscribesTo(ExternalCertificateRejected, 'reporting.reviews.rejected')
export class ReviewRejectedSubscriber implements IntegrationEventSubscriber<ExternalCertificateDecidedPayload> {
  async handle({ payload }: DeliveredEvent<ExternalCertificateDecidedPayload>, em: EntityManager): Promise<void> {
    await upsert(em, decided(payload, 'rejected'));
  }
}
