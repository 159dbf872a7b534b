import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { FINAL_STATUSES, WAITING_STATUSES, WORKING_STATUSES } from '../../domain/import-lifecycle.js';
import { ImportRepository } from '../../infrastructure/import-repository.js';
import { ImportScheduler } from './import-scheduler.js';

/** One reaper at a time across all worker processes (a transaction-level advisory lock). */
const LOCK_KEY = 'imports-reaper';

export interface ReaperReport {
  ran: boolean;
  rescheduled: string[];
  expired: string[];
}

/**
 * Keeps imports moving when their jobs were lost: a Redis flush or failover, a worker killed between a
 * commit and queueing the next jobs. Every interval, one worker process (advisory lock) looks at the
 * imports whose progress stalled and schedules them again from their state in PostgreSQL (fixed job ids:
 * a job still queued is not queued twice; chunks already committed are skipped). It also expires imports
 * that waited too long for their admin, and so removes their staged rows.
 */
@Injectable()
export class ImportReaper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportReaper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReaperReport>;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly scheduler: ImportScheduler,
    private readonly imports: ImportRepository,
  ) {}

  onApplicationBootstrap() {
    const interval = this.config.imports.reaperIntervalMs;
    if (this.config.role === 'api' || interval === 0) return;
    this.timer = setInterval(() => {
      this.reap().catch((error: unknown) => this.logger.error({ msg: 'import reaper failed', error: String(error) }));
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  reap(): Promise<ReaperReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReaperReport> {
    const report: ReaperReport = { ran: false, rescheduled: [], expired: [] };
    await this.orm.em.fork().transactional(async (em) => {
      const [{ locked }] = await em.execute<{ locked: boolean }[]>(`select pg_try_advisory_xact_lock(hashtext(?)) as locked`, [LOCK_KEY]);
      if (!locked) return;
      report.ran = true;
      const stalled = await em.execute<{ id: string }[]>(
        `select id from imports where status = any(?::text[]) and progress_at < now() - make_interval(secs => ?) order by progress_at limit 100`,
        [`{${WORKING_STATUSES.join(',')}}`, this.config.imports.stallAfterSeconds],
      );
      for (const { id } of stalled) {
        await this.scheduler.schedule(id, { repair: true });
        // Looked at: the next look comes a full stall period later, not at every interval.
        await em.execute(`update imports set progress_at = now() where id = ?`, [id]);
        report.rescheduled.push(id);
      }
      const waiting = await em.execute<{ id: string }[]>(
        `select id from imports where status = any(?::text[]) and status_changed_at < now() - make_interval(hours => ?) order by status_changed_at limit 100`,
        [`{${WAITING_STATUSES.join(',')}}`, this.config.imports.waitingExpiryHours],
      );
      for (const { id } of waiting) {
        if (await em.transactional((tx) => this.imports.finish(tx, id, 'expired', { code: 'IMPORTS.EXPIRED', params: { hours: this.config.imports.waitingExpiryHours } }))) {
          report.expired.push(id);
        }
      }
    });
    // Staged rows of imports that ended without removing them (a crash between a COPY and its import's
    // end, an undo cancelled while it staged): nothing reads them any more.
    // An index probe per import that ended in the last day, not a scan of the staging of running ones.
    await this.orm.em.fork().execute(
      `delete from import_staged_rows where import_id in (
         select i.id from imports i
          where i.status = any(?::text[]) and i.finished_at between now() - interval '1 day' and now() - interval '1 minute'
            and exists (select 1 from import_staged_rows s where s.import_id = i.id))`,
      [`{${FINAL_STATUSES.join(',')}}`],
    );
    if (report.rescheduled.length > 0 || report.expired.length > 0) this.logger.log({ msg: 'import reaper', ...report });
    return report;
  }
}
