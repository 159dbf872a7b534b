import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { ReviewerReassignment, type RecheckReport } from './reviewer-reassignment.js';

/** One sweep at a time across all worker processes (a transaction-level advisory lock). */
const LOCK_KEY = 'validation-reviewer-sweep';
/** Tasks re-checked per transaction: locks stay short however many tasks wait. */
const BATCH = 200;

export interface SweepReport extends RecheckReport {
  ran: boolean;
}

/**
 * The safety net behind the events that take a reviewer away (UserDeleted, UserRolesChanged, ...): every
 * REVIEW_SWEEP_INTERVAL_MS, one worker process re-checks the reviewer of every pending task (a reviewer
 * lost some other way, or an event still waiting in the outbox). `sweep()` runs one pass now (tests).
 */
@Injectable()
export class ReviewerSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReviewerSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepReport>;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly reassignment: ReviewerReassignment,
  ) {}

  onApplicationBootstrap() {
    const interval = this.config.externalCertificates.reviewSweepIntervalMs;
    if (this.config.role === 'api' || interval === 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.error({ msg: 'reviewer sweep failed', error: String(error) }));
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  sweep(): Promise<SweepReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<SweepReport> {
    const report: SweepReport = { ran: false, checked: 0, moved: [], fallbackChanged: [], stuck: [] };
    let after: string | undefined;
    for (;;) {
      const done = await this.orm.em.fork().transactional(async (em) => {
        const [{ locked }] = await em.execute<{ locked: boolean }[]>(`select pg_try_advisory_xact_lock(hashtext(?)) as locked`, [LOCK_KEY]);
        if (!locked) return true;
        report.ran = true;
        // By id: the order in which every locker of these rows takes them (no waiting in a circle).
        const rows = await em.execute<{ id: string }[]>(
          `select id from external_certificates
            where state = 'pending_review' ${after ? 'and id > ?' : ''}
            order by id limit ${BATCH}`,
          after ? [after] : [],
        );
        if (rows.length === 0) return true;
        const batch = await this.reassignment.recheck(
          em,
          rows.map((row) => row.id),
        );
        report.checked += batch.checked;
        report.moved.push(...batch.moved);
        report.fallbackChanged.push(...batch.fallbackChanged);
        report.stuck.push(...batch.stuck);
        after = rows[rows.length - 1].id;
        return rows.length < BATCH;
      });
      if (done) return report;
    }
  }
}
