import { Command, Query } from '@nestjs/cqrs';
import { defineEvent } from '../integration-event.js';
import type { Principal } from '../users/principal.js';

/**
 * The Validation module's public contract: certificates that users earned elsewhere (external
 * certificates), their review, and the links in reviewers' mails.
 */

export const EXTERNAL_CERTIFICATE_STATES = ['pending_review', 'validated', 'rejected', 'recorded'] as const;
export type ExternalCertificateState = (typeof EXTERNAL_CERTIFICATE_STATES)[number];

/** Who reviews, as the platform setting external-certificates.reviewer-type says. */
export type ReviewerType = 'managers' | 'group-admins';

/** How the assigned reviewer relates to the learner. */
export type ReviewerTier = 'manager' | 'coach' | 'group-admin' | 'platform-admin';

/** What every event of an external certificate says about it (plain JSON: it travels through the outbox). */
export interface ExternalCertificateFacts {
  externalCertificateId: string;
  /** The learner the certificate belongs to. */
  userId: string;
  learnerName: string;
  learnerLanguage: string;
  /** Who uploaded it: the learner, or an admin or manager on their behalf. */
  uploadedBy: string;
  name: string;
  /** YYYY-MM-DD */
  deliveredOn: string;
  /** YYYY-MM-DD or null */
  expiresOn: string | null;
  /** The associated certificate definition (catalogue), if any. */
  definitionId: string | null;
  /** Credits the learner assigned (only while the credits setting is on), or null. */
  credits: number | null;
  /** The PDF, in the storage port (content-addressed key). */
  file: { storageKey: string; fileName: string; size: number };
  /** ISO time of the upload. */
  submittedAt: string;
}

export interface ExternalCertificateSubmittedPayload extends ExternalCertificateFacts {
  reviewerId: string;
  reviewerTier: ReviewerTier;
  /** Who gets the second reminder (and the task if the reviewer goes); null when there is nobody else. */
  fallbackReviewerId: string | null;
}

/** Sent for validation: its reviewer is told (Notifications), reporting counts it pending. */
export class ExternalCertificateSubmitted extends defineEvent<ExternalCertificateSubmittedPayload>('validation.external-certificate-submitted.v1') {}

export interface ExternalCertificateDecidedPayload extends ExternalCertificateFacts {
  /** The reviewer the task was assigned to when it was decided. */
  reviewerId: string;
  /** Who decided (the reviewer, or an admin whose scope covers the learner). */
  decidedBy: string;
  decidedAt: string;
  comment: string | null;
}

/**
 * Validated: the Certificates module registers an obtained certificate when a definition is associated
 * (once per external certificate); the learner is told; reporting counts it.
 */
export class ExternalCertificateValidated extends defineEvent<ExternalCertificateDecidedPayload>('validation.external-certificate-validated.v1') {}

/** Rejected (always with a comment): the learner is told; reporting counts it. */
export class ExternalCertificateRejected extends defineEvent<ExternalCertificateDecidedPayload & { comment: string }>(
  'validation.external-certificate-rejected.v1',
) {}

export interface ExternalCertificateRecordedPayload extends ExternalCertificateFacts {
  recordedAt: string;
}

/** Uploaded while validation is not required: it counts as is; with a definition, it enters the catalogue. */
export class ExternalCertificateRecorded extends defineEvent<ExternalCertificateRecordedPayload>('validation.external-certificate-recorded.v1') {}

export interface ReviewerChangedPayload {
  externalCertificateId: string;
  userId: string;
  learnerName: string;
  name: string;
  previousReviewerId: string;
  reviewerId: string;
  reviewerTier: ReviewerTier;
  fallbackReviewerId: string | null;
  /** reviewer-gone: deleted or no longer allowed to review this learner; reassigned: by an admin. */
  reason: 'reviewer-gone' | 'reassigned';
  changedAt: string;
}

/** The task moved to another reviewer: the new one is told, the old one's links stop working. */
export class ReviewerChanged extends defineEvent<ReviewerChangedPayload>('validation.reviewer-changed.v1') {}

export interface ReviewReminderDuePayload {
  externalCertificateId: string;
  userId: string;
  learnerName: string;
  name: string;
  /** Who is reminded: the reviewer (reminder), or the fallback reviewer (escalation). */
  recipientId: string;
  kind: 'reminder' | 'escalation';
  submittedAt: string;
}

/**
 * A task pending longer than the reminder delay (reminder, to its reviewer) or twice that (escalation,
 * to the fallback reviewer). Recorded at most once per kind and task.
 */
export class ReviewReminderDue extends defineEvent<ReviewReminderDuePayload>('validation.review-reminder-due.v1') {}

export interface ReviewLink {
  /** Absolute URL of the review page (GET shows it; only its form's POST acts). */
  url: string;
  expiresAt: string;
}

export interface ReviewLinkRequest {
  externalCertificateId: string;
  /** The reviewer the mail goes to: the link acts for them only, on this task only. */
  reviewerId: string;
}

export const reviewLinkKey = (request: ReviewLinkRequest) => `${request.externalCertificateId}:${request.reviewerId}`;

/**
 * Issues signed, single-use, expiring review links, by reviewLinkKey; a request whose task is no longer
 * pending, or no longer this reviewer's (or their fallback's, for an escalation), is absent. Sent by the
 * Notifications module when it renders the mail, so the plain token exists only in the mail.
 */
export class IssueReviewLinksCommand extends Command<Record<string, ReviewLink>> {
  constructor(readonly requests: ReviewLinkRequest[]) {
    super();
  }
}

/** A user's validated credits (external certificates), for GET /api/users/:id/credits; undefined outside scope. */
export interface UserCredits {
  userId: string;
  total: number;
  certificates: { externalCertificateId: string; name: string; credits: number; validatedAt: string }[];
}

export class GetUserCreditsQuery extends Query<UserCredits | undefined> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
  ) {
    super();
  }
}
