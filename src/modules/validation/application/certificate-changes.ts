import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  ExternalCertificateRecorded,
  ExternalCertificateRejected,
  ExternalCertificateSubmitted,
  ExternalCertificateValidated,
  ReviewerChanged,
  type ExternalCertificateFacts,
} from '#libs/contracts/validation/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import type { Change, ExternalCertificate } from '../domain/external-certificate.js';
import { ExternalCertificateRepository } from '../infrastructure/external-certificate.repository.js';

export interface LearnerFacts {
  name: string;
  language: string;
}

/**
 * Turns the changes an aggregate made into history rows and integration events, written through `em`
 * in the caller's transaction (the outbox message is flushed with it).
 */
@Injectable()
export class CertificateChanges {
  constructor(private readonly repository: ExternalCertificateRepository) {}

  async record(em: EntityManager, certificate: ExternalCertificate, learner: LearnerFacts, now: Date): Promise<Change[]> {
    const changes = certificate.pullChanges();
    const p = certificate.snapshot();
    const facts: ExternalCertificateFacts = {
      externalCertificateId: p.id,
      userId: p.userId,
      learnerName: learner.name,
      learnerLanguage: learner.language,
      uploadedBy: p.uploadedBy,
      name: p.name,
      deliveredOn: p.deliveredOn,
      expiresOn: p.expiresOn,
      definitionId: p.definitionId,
      credits: p.credits,
      file: { ...p.file },
      submittedAt: p.submittedAt.toISOString(),
    };
    const at = now.toISOString();
    for (const change of changes) {
      const history = { externalCertificateId: p.id, at: now, actorId: change.actorId };
      switch (change.kind) {
        case 'submitted':
          await this.repository.appendHistory(em, { ...history, action: 'submitted', comment: null, details: { ...change.assignment } });
          recordEvent(
            em,
            new ExternalCertificateSubmitted({
              ...facts,
              reviewerId: change.assignment.reviewerId,
              reviewerTier: change.assignment.tier,
              fallbackReviewerId: change.assignment.fallbackReviewerId,
            }),
          );
          break;
        case 'recorded':
          await this.repository.appendHistory(em, { ...history, action: 'recorded', comment: null, details: {} });
          recordEvent(em, new ExternalCertificateRecorded({ ...facts, recordedAt: at }));
          break;
        case 'edited':
          await this.repository.appendHistory(em, { ...history, action: 'edited', comment: null, details: { changes: change.changes } });
          break;
        case 'validated':
          await this.repository.appendHistory(em, { ...history, action: 'validated', comment: change.comment, details: { changes: change.changes } });
          recordEvent(
            em,
            new ExternalCertificateValidated({ ...facts, reviewerId: p.reviewerId!, decidedBy: change.actorId, decidedAt: at, comment: change.comment }),
          );
          break;
        case 'rejected':
          await this.repository.appendHistory(em, { ...history, action: 'rejected', comment: change.comment, details: {} });
          recordEvent(
            em,
            new ExternalCertificateRejected({ ...facts, reviewerId: p.reviewerId!, decidedBy: change.actorId, decidedAt: at, comment: change.comment }),
          );
          break;
        case 'reviewer-changed':
          await this.repository.appendHistory(em, {
            ...history,
            action: 'reviewer-changed',
            comment: null,
            details: {
              reason: change.reason,
              previousReviewerId: change.previousReviewerId,
              previousFallbackReviewerId: change.previousFallbackReviewerId,
              ...change.assignment,
            },
          });
          if (change.previousReviewerId !== change.assignment.reviewerId) {
            recordEvent(
              em,
              new ReviewerChanged({
                externalCertificateId: p.id,
                userId: p.userId,
                learnerName: learner.name,
                name: p.name,
                previousReviewerId: change.previousReviewerId,
                reviewerId: change.assignment.reviewerId,
                reviewerTier: change.assignment.tier,
                fallbackReviewerId: change.assignment.fallbackReviewerId,
                reason: change.reason,
                changedAt: at,
              }),
            );
          }
          break;
      }
    }
    return changes;
  }
}
