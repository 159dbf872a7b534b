import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import type { ExternalCertificate } from '../domain/external-certificate.js';
import { ExternalCertificateRepository } from '../infrastructure/external-certificate.repository.js';
import { CertificateAccess } from './certificate-access.js';
import { CertificateChanges } from './certificate-changes.js';
import { displayName, People } from './people.js';

/** What a reviewer may change on a task before deciding it. Absent fields stay as they are. */
export interface ReviewEdits {
  name?: string;
  /** YYYY-MM-DD */
  deliveredOn?: string;
  /** YYYY-MM-DD, or null for no expiry */
  expiresOn?: string | null;
  /** A certificate definition of the catalogue, or null for none. */
  definitionId?: string | null;
}

export interface ReviewDecision {
  action: 'validate' | 'reject';
  edits: ReviewEdits;
  /** Required (non-blank) to reject. */
  comment: string | null;
  /** Optional optimistic check: the version the reviewer saw (409 VALIDATION.VERSION_CONFLICT when it moved on). */
  expectedVersion?: number;
}

/**
 * Who decides: a signed-in principal through the REST API, or the reviewer a mail link was issued to
 * (the link itself is checked and used by its caller, in the same transaction).
 */
export type DecidingReviewer = { via: 'api'; principal: Principal } | { via: 'link'; reviewerId: string };

/**
 * Deciding a pending external certificate, shared by the REST endpoints and the review page of the
 * mail links: checks that this reviewer may decide it (the assigned or fallback reviewer, or someone
 * whose scope covers the learner with external-certificates.manage; never the learner), applies the
 * edits, moves the aggregate, and records the history and the event, in the caller's transaction.
 * Throws DomainErrors with stable codes (VALIDATION.*).
 *
 * The task's row is locked (select ... for update) for the rest of the caller's transaction, so of two
 * decisions at once one wins and the other sees it decided (409 VALIDATION.ALREADY_DECIDED).
 * Via a link: the link's reviewer must still be the task's reviewer or fallback reviewer, active, and
 * still allowed to review the learner (409 VALIDATION.NOT_REVIEWER otherwise: the task moved on, or is
 * about to). Via the API the same reviewer who lost the right falls back to the scope rule.
 */
@Injectable()
export class ReviewDecisions {
  constructor(
    private readonly repository: ExternalCertificateRepository,
    private readonly access: CertificateAccess,
    private readonly changes: CertificateChanges,
    private readonly people: People,
  ) {}

  async decide(em: EntityManager, externalCertificateId: string, by: DecidingReviewer, decision: ReviewDecision): Promise<void> {
    const { certificate, actorId } = await this.loadForReview(em, externalCertificateId, by, decision.expectedVersion);
    await this.access.assertDefinitionExists(decision.edits.definitionId);
    const now = new Date();
    const version = certificate.version;
    if (decision.action === 'validate') certificate.validate(actorId, decision.edits, decision.comment, now);
    else certificate.reject(actorId, decision.comment, now);
    await this.save(em, certificate, version, now);
  }

  /** A reviewer's edits while the task is pending (no decision yet). */
  async edit(em: EntityManager, externalCertificateId: string, by: DecidingReviewer, edits: ReviewEdits, expectedVersion?: number): Promise<void> {
    const { certificate, actorId } = await this.loadForReview(em, externalCertificateId, by, expectedVersion);
    await this.access.assertDefinitionExists(edits.definitionId);
    const now = new Date();
    const version = certificate.version;
    certificate.edit(actorId, edits, now);
    if (certificate.version !== version) await this.save(em, certificate, version, now);
  }

  private async loadForReview(
    em: EntityManager,
    id: string,
    by: DecidingReviewer,
    expectedVersion: number | undefined,
  ): Promise<{ certificate: ExternalCertificate; actorId: string }> {
    const certificate = await this.repository.load(em, id, { lock: true });
    if (!certificate) throw notFound('VALIDATION.NOT_FOUND');
    const state = certificate.snapshot();
    let actorId: string;
    if (by.via === 'api') {
      await this.access.assertCanReview(by.principal, state);
      actorId = by.principal.userId;
    } else {
      if (state.state !== 'pending_review') throw conflict('VALIDATION.ALREADY_DECIDED', { state: state.state });
      const reviewer = await this.people.one(by.reviewerId);
      if (reviewer?.status !== 'active' || !(await this.access.isStillReviewer(by.reviewerId, state))) {
        throw conflict('VALIDATION.NOT_REVIEWER');
      }
      actorId = by.reviewerId;
    }
    if (state.state !== 'pending_review') throw conflict('VALIDATION.ALREADY_DECIDED', { state: state.state });
    if (expectedVersion !== undefined && expectedVersion !== state.version) {
      throw conflict('VALIDATION.VERSION_CONFLICT', { expected: expectedVersion, actual: state.version });
    }
    return { certificate, actorId };
  }

  private async save(em: EntityManager, certificate: ExternalCertificate, previousVersion: number, now: Date): Promise<void> {
    await this.repository.update(em, certificate, previousVersion);
    const learner = await this.people.one(certificate.userId);
    await this.changes.record(em, certificate, { name: displayName(learner) ?? '', language: learner?.language ?? 'en' }, now);
  }
}
