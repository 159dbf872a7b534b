import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '#libs/contracts/users/index.js';

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
 */
@Injectable()
export class ReviewDecisions {
  // Seam for the links page; the Validation core implements it.
  async decide(em: EntityManager, externalCertificateId: string, by: DecidingReviewer, decision: ReviewDecision): Promise<void> {
    void em;
    void externalCertificateId;
    void by;
    void decision;
    throw new Error('ReviewDecisions.decide is not built yet');
  }
}
