import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { reportScope } from '../report-scope.js';

export interface ReviewCounts {
  /** Tasks not decided (yet). */
  pending: number;
  validated: number;
  rejected: number;
  /** Median of (decided - submitted) over the decided tasks, in hours (2 decimals); null without any. */
  medianHoursToReview: number | null;
}

export interface ReviewsPerReviewerMonth extends ReviewCounts {
  reviewerId: string;
  /** Month of submission (UTC), YYYY-MM. */
  month: string;
}

export interface ReviewsReport {
  rows: ReviewsPerReviewerMonth[];
  overall: ReviewCounts;
}

export interface ReviewsFilter {
  /** First month of submission, YYYY-MM. */
  from?: string;
  /** Last month of submission, YYYY-MM. */
  to?: string;
  reviewerId?: string;
}

export class ReviewsReportQuery extends Query<ReviewsReport> {
  constructor(
    readonly principal: Principal,
    readonly filter: ReviewsFilter,
  ) {
    super();
  }
}

interface CountsRow {
  pending: string;
  validated: string;
  rejected: string;
  median_hours: string | null;
}

const COUNTS = `count(*) filter (where decided_at is null) as pending,
  count(*) filter (where outcome = 'validated') as validated,
  count(*) filter (where outcome = 'rejected') as rejected,
  percentile_cont(0.5) within group (order by extract(epoch from decided_at - submitted_at) / 3600.0) filter (where decided_at is not null) as median_hours`;

const counts = (row: CountsRow | undefined): ReviewCounts => ({
  pending: Number(row?.pending ?? 0),
  validated: Number(row?.validated ?? 0),
  rejected: Number(row?.rejected ?? 0),
  medianHoursToReview: row?.median_hours === null || row?.median_hours === undefined ? null : Math.round(Number(row.median_hours) * 100) / 100,
});

/**
 * Reviews per reviewer and month of submission, and over the whole selection: pending, validated and
 * rejected counts and the median time to review. Reads only the reporting_reviews read model; counts only
 * tasks of learners in the caller's scope (a group admin sees the reviews of their groups' members).
 */
@QueryHandler(ReviewsReportQuery)
export class ReviewsReportHandler implements IQueryHandler<ReviewsReportQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: ReviewsReportQuery): Promise<ReviewsReport> {
    const scope = await reportScope(this.queries, principal, 'user_id');
    const where = [scope.sql];
    const params: unknown[] = [...scope.params];
    if (filter.from) {
      where.push(`submitted_at >= to_date(?, 'YYYY-MM')::timestamp at time zone 'UTC'`);
      params.push(filter.from);
    }
    if (filter.to) {
      where.push(`submitted_at < (to_date(?, 'YYYY-MM') + interval '1 month')::timestamp at time zone 'UTC'`);
      params.push(filter.to);
    }
    if (filter.reviewerId) {
      where.push('reviewer_id = ?');
      params.push(filter.reviewerId);
    }
    const condition = where.join(' and ');
    const rows = await this.em.execute<(CountsRow & { reviewer_id: string; month: string })[]>(
      `select reviewer_id, to_char(date_trunc('month', submitted_at at time zone 'UTC'), 'YYYY-MM') as month, ${COUNTS}
         from reporting_reviews where ${condition}
        group by reviewer_id, 2
        order by 2, reviewer_id`,
      params,
    );
    const [overall] = await this.em.execute<CountsRow[]>(`select ${COUNTS} from reporting_reviews where ${condition}`, params);
    return {
      rows: rows.map((row) => ({ reviewerId: row.reviewer_id, month: row.month, ...counts(row) })),
      overall: counts(overall),
    };
  }
}
