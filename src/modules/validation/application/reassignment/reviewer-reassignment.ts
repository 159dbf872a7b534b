import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { FindReviewersQuery, type ReviewerCandidate } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import { chooseReviewers, isCandidate } from '../../domain/reviewer-choice.js';
import { ExternalCertificateRepository } from '../../infrastructure/external-certificate.repository.js';
import { CertificateChanges } from '../certificate-changes.js';
import { displayName, People } from '../people.js';
import { ExternalCertificateSettings } from '../validation-settings.js';

export interface RecheckReport {
  checked: number;
  /** Tasks whose reviewer changed (the old one was gone). */
  moved: string[];
  /** Tasks whose reviewer stayed but whose fallback reviewer changed. */
  fallbackChanged: string[];
  /** Tasks whose reviewer is gone while nobody at all may review them now (left as they are, logged). */
  stuck: string[];
}

/**
 * Keeps every pending task with someone who may review it: for each task, asks who may review its
 * learner now (FindReviewersQuery). A reviewer who is no longer a candidate (deleted, lost the role,
 * no longer the learner's manager or group admin) is replaced by the best candidate now, with a new
 * fallback (ReviewerChanged, reason reviewer-gone, and a history row); a reviewer who still is keeps
 * the task, and only its fallback is brought up to date. Runs in the caller's transaction, locking
 * each task's row; running it again changes nothing (idempotent).
 */
@Injectable()
export class ReviewerReassignment {
  private readonly logger = new Logger(ReviewerReassignment.name);

  constructor(
    private readonly queries: QueryBus,
    private readonly settings: PlatformSettings,
    private readonly repository: ExternalCertificateRepository,
    private readonly changes: CertificateChanges,
    private readonly people: People,
  ) {}

  /** Pending tasks that `userId` reviews or is fallback for, or (learnerIds) that belong to those learners. */
  async pendingTaskIds(em: EntityManager, filter: { reviewerIds?: string[]; learnerIds?: string[] }): Promise<string[]> {
    const reviewers = pgArray(filter.reviewerIds ?? []);
    const learners = pgArray(filter.learnerIds ?? []);
    const rows = await em.execute<{ id: string }[]>(
      `select id from external_certificates
        where state = 'pending_review'
          and (reviewer_id = any(?::uuid[]) or fallback_reviewer_id = any(?::uuid[]) or user_id = any(?::uuid[]))
        order by id`,
      [reviewers, reviewers, learners],
    );
    return rows.map((row) => row.id);
  }

  async recheck(em: EntityManager, taskIds: string[]): Promise<RecheckReport> {
    const report: RecheckReport = { checked: 0, moved: [], fallbackChanged: [], stuck: [] };
    if (taskIds.length === 0) return report;
    const reviewerType = await this.settings.get(ExternalCertificateSettings.reviewerType, em);
    const candidatesOf = new Map<string, ReviewerCandidate[]>();
    // Rows are locked one by one in id order, the order every other locker of these rows uses (link issuing,
    // the sweep): two of them never wait for each other in a circle.
    for (const id of inLockOrder(taskIds)) {
      const certificate = await this.repository.load(em, id, { lock: true });
      if (!certificate || certificate.state !== 'pending_review') continue;
      report.checked += 1;
      let candidates = candidatesOf.get(certificate.userId);
      if (!candidates) {
        candidates = await this.queries.execute(new FindReviewersQuery(certificate.userId, reviewerType));
        candidatesOf.set(certificate.userId, candidates);
      }
      const stays = isCandidate(candidates, certificate.reviewerId);
      const assignment = chooseReviewers(candidates, stays ? certificate.reviewerId : undefined);
      if (!assignment) {
        if (!stays) {
          report.stuck.push(id);
          this.logger.warn({ msg: 'nobody may review this external certificate now; it stays with its reviewer', externalCertificateId: id });
        }
        continue;
      }
      const version = certificate.version;
      if (!certificate.reassign(assignment, 'reviewer-gone', null, new Date())) continue;
      await this.repository.update(em, certificate, version);
      // The links of whoever lost the task die now, for good: were that person to become fallback again
      // later, an old mail's link must not come back to life.
      await em.execute(
        `update review_links set ended_at = now()
          where external_certificate_id = ? and used_at is null and ended_at is null and not (reviewer_id = any(?::uuid[]))`,
        [id, pgArray([certificate.reviewerId, certificate.fallbackReviewerId].filter((reviewer): reviewer is string => reviewer !== null))],
      );
      const learner = await this.people.one(certificate.userId);
      await this.changes.record(em, certificate, { name: displayName(learner) ?? '', language: learner?.language ?? 'en' }, new Date());
      (stays ? report.fallbackChanged : report.moved).push(id);
    }
    return report;
  }
}

/** Task ids deduplicated and in the order rows of external_certificates are locked everywhere: by id. */
export function inLockOrder(ids: string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))].sort();
}
