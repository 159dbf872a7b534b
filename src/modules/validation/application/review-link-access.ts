import type { EntityManager } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { executeBound } from '#libs/database/bound-query.js';
import { ReviewLinks, type ReviewLinkRecord, type ReviewLinkStatus } from '../domain/review-link.js';

/** What the review page shows of a task (an external certificate). Dates as YYYY-MM-DD. */
export interface ReviewTaskView {
  id: string;
  userId: string;
  uploadedBy: string;
  name: string;
  deliveredOn: string;
  expiresOn: string | null;
  definitionId: string | null;
  credits: number | null;
  state: string;
  fileKey: string;
  fileName: string;
  fileSize: number;
  reviewerId: string | null;
  fallbackReviewerId: string | null;
  submittedAt: Date;
  /** The task's version (the page carries it, the decision checks it: no overwriting another reviewer's edit). */
  version: number;
}

export interface ResolvedReviewLink {
  link: ReviewLinkRecord;
  task: ReviewTaskView;
  status: ReviewLinkStatus;
}

interface LinkRow {
  id: string;
  token_hash: string;
  external_certificate_id: string;
  reviewer_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  ended_at: Date | null;
}

interface TaskRow {
  id: string;
  user_id: string;
  uploaded_by: string;
  name: string;
  delivered_on: string;
  expires_on: string | null;
  definition_id: string | null;
  credits: string | null;
  state: string;
  file_key: string;
  file_name: string;
  file_size: string;
  reviewer_id: string | null;
  fallback_reviewer_id: string | null;
  submitted_at: Date;
  version: number;
}

const TASK_COLUMNS = `id, user_id, uploaded_by, name, to_char(delivered_on, 'YYYY-MM-DD') as delivered_on, to_char(expires_on, 'YYYY-MM-DD') as expires_on,
  definition_id, credits::text as credits, state, file_key, file_name, file_size::text as file_size, reviewer_id, fallback_reviewer_id, submitted_at, version`;

const toLink = (row: LinkRow): ReviewLinkRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  externalCertificateId: row.external_certificate_id,
  reviewerId: row.reviewer_id,
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
  usedAt: row.used_at === null ? null : new Date(row.used_at),
  endedAt: row.ended_at === null ? null : new Date(row.ended_at),
});

const toTask = (row: TaskRow): ReviewTaskView => ({
  id: row.id,
  userId: row.user_id,
  uploadedBy: row.uploaded_by,
  name: row.name,
  deliveredOn: row.delivered_on,
  expiresOn: row.expires_on,
  definitionId: row.definition_id,
  credits: row.credits === null ? null : Number(row.credits),
  state: row.state,
  fileKey: row.file_key,
  fileName: row.file_name,
  fileSize: Number(row.file_size),
  reviewerId: row.reviewer_id,
  fallbackReviewerId: row.fallback_reviewer_id,
  submittedAt: new Date(row.submitted_at),
  version: Number(row.version),
});

/**
 * Finds the link behind a token and the task it is bound to, with the link's status. `find` only reads
 * (the GET page, the PDF); `lockForDecision` locks the task's row and then the link's (the order the
 * link issuing uses too) in the caller's transaction, so the check holds until that transaction ends.
 */
@Injectable()
export class ReviewLinkAccess {
  constructor(private readonly orm: MikroORM) {}

  /** Undefined for a token that was never issued (or is not even well formed). */
  async find(token: unknown): Promise<ResolvedReviewLink | undefined> {
    if (!ReviewLinks.isWellFormedToken(token)) return undefined;
    const em = this.orm.em.fork();
    const [linkRow] = await executeBound<LinkRow>(em, `select * from review_links where token_hash = $1`, [ReviewLinks.hash(token)]);
    if (!linkRow) return undefined;
    const [taskRow] = await executeBound<TaskRow>(em, `select ${TASK_COLUMNS} from external_certificates where id = $1`, [linkRow.external_certificate_id]);
    if (!taskRow) return undefined;
    return this.resolve(linkRow, taskRow);
  }

  async lockForDecision(em: EntityManager, token: unknown): Promise<ResolvedReviewLink | undefined> {
    if (!ReviewLinks.isWellFormedToken(token)) return undefined;
    const tokenHash = ReviewLinks.hash(token);
    const [seen] = await executeBound<{ external_certificate_id: string }>(em, `select external_certificate_id from review_links where token_hash = $1`, [tokenHash]);
    if (!seen) return undefined;
    const [taskRow] = await executeBound<TaskRow>(em, `select ${TASK_COLUMNS} from external_certificates where id = $1 for update`, [seen.external_certificate_id]);
    const [linkRow] = await executeBound<LinkRow>(em, `select * from review_links where token_hash = $1 for update`, [tokenHash]);
    if (!taskRow || !linkRow) return undefined;
    return this.resolve(linkRow, taskRow);
  }

  /** Marks the link used and ends every other open link of its task (it is decided now), in `em`'s transaction. */
  async markUsed(em: EntityManager, link: ReviewLinkRecord, now = new Date()): Promise<void> {
    await executeBound(em, `update review_links set used_at = $2 where id = $1 and used_at is null`, [link.id, now]);
    await executeBound(em, `update review_links set ended_at = $3 where external_certificate_id = $1 and id <> $2 and used_at is null and ended_at is null`, [
      link.externalCertificateId,
      link.id,
      now,
    ]);
  }

  private resolve(linkRow: LinkRow, taskRow: TaskRow): ResolvedReviewLink {
    const link = toLink(linkRow);
    const task = toTask(taskRow);
    return { link, task, status: ReviewLinks.status(link, task) };
  }
}
