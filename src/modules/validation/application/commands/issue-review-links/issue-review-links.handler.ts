import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import { IssueReviewLinksCommand, reviewLinkKey, type ReviewLink } from '#libs/contracts/validation/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { ReviewLinks } from '../../../domain/review-link.js';

/** The page behind a review link: /review/<token> (GET shows it, only its form's POST acts). */
export const REVIEW_PATH = '/review';

/**
 * Issues the review links of a batch of mails (the Notifications module sends this when it renders them),
 * a few statements for the whole batch: for each (task, reviewer) whose task is pending and whose reviewer
 * is still its reviewer or fallback reviewer, a new link. The pair's earlier links stay open: a reminder
 * whose mail bounces must not kill the link of the mail that arrived (a decision ends every link of the
 * task; a hand-over ends the links of whoever lost the task). Requests for a decided or reassigned task
 * are absent from the answer.
 */
@CommandHandler(IssueReviewLinksCommand)
export class IssueReviewLinksHandler implements ICommandHandler<IssueReviewLinksCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async execute({ requests }: IssueReviewLinksCommand): Promise<Record<string, ReviewLink>> {
    const pairs = new Map(requests.map((request) => [reviewLinkKey(request), request]));
    if (pairs.size === 0) return {};
    const taskIds = [...new Set([...pairs.values()].map((request) => request.externalCertificateId))];
    return this.em.transactional(async (em) => {
      // The tasks' rows, locked in a fixed order: a decision or reassignment waits, and two batches never wait in a circle.
      const tasks = await executeBound<{ id: string; state: string; reviewer_id: string | null; fallback_reviewer_id: string | null }>(
        em,
        `select id, state, reviewer_id, fallback_reviewer_id from external_certificates where id = any($1::uuid[]) order by id for update`,
        [taskIds],
      );
      const byId = new Map(tasks.map((task) => [task.id, { state: task.state, reviewerId: task.reviewer_id, fallbackReviewerId: task.fallback_reviewer_id }]));
      const now = new Date();
      const issued = [...pairs.values()]
        .filter((request) => {
          const task = byId.get(request.externalCertificateId);
          return task !== undefined && ReviewLinks.mayReview(task, request.reviewerId);
        })
        .map((request) => ReviewLinks.issue(request.externalCertificateId, request.reviewerId, this.config.reviews.linkHours, now));
      if (issued.length === 0) return {};
      await executeBound(
        em,
        `insert into review_links (id, token_hash, external_certificate_id, reviewer_id, created_at, expires_at)
         select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::timestamptz[])`,
        [
          issued.map(({ link }) => link.id),
          issued.map(({ link }) => link.tokenHash),
          issued.map(({ link }) => link.externalCertificateId),
          issued.map(({ link }) => link.reviewerId),
          issued.map(({ link }) => link.createdAt),
          issued.map(({ link }) => link.expiresAt),
        ],
      );
      const links: Record<string, ReviewLink> = {};
      for (const { link, token } of issued) {
        links[reviewLinkKey(link)] = { url: `${this.config.publicUrl}${REVIEW_PATH}/${token}`, expiresAt: link.expiresAt.toISOString() };
      }
      return links;
    });
  }
}
