import { Migration } from '@mikro-orm/migrations';

/**
 * reporting_reviews: the time of the event that set a task's reviewer (submission, reviewer change or
 * decision), so that events applied out of order never put an earlier reviewer back; and an index for
 * reports by month of submission across reviewers.
 */
export class Migration20261130002500_reporting_reviews_order extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table reporting_reviews add column reviewer_at timestamptz null;
      create index reporting_reviews_submitted_idx on reporting_reviews (submitted_at);
    `);
  }
}
