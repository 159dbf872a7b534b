import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { ReviewReminderDue } from '#libs/contracts/validation/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import { displayName, People } from './people.js';
import { ExternalCertificateSettings } from './validation-settings.js';

/** One pass at a time across all worker processes (a transaction-level advisory lock). */
const LOCK_KEY = 'validation-review-reminders';
/** Tasks per kind per pass; the next pass takes the rest. */
const BATCH = 500;

export interface ReminderReport {
  /** False when another process held the pass. */
  ran: boolean;
  reminded: string[];
  escalated: string[];
  /** Due an escalation but without a fallback reviewer: logged and marked, never tried again. */
  withoutFallback: string[];
}

interface DueRow {
  id: string;
  user_id: string;
  name: string;
  reviewer_id: string;
  fallback_reviewer_id: string | null;
  submitted_at: Date;
}

/**
 * Reminders of pending reviews (worker role, every REVIEW_REMINDER_INTERVAL_MS; 0 turns it off): a task
 * whose current reviewer has had it (assigned_at: the upload, or the last reviewer change, which also
 * clears the marks) longer than external-certificates.reminder-days records ReviewReminderDue (reminder, to its
 * reviewer) once; after twice that, ReviewReminderDue (escalation, to its fallback reviewer) once. The
 * marks (reminded_at, escalated_at) are written in the transaction that records the event, so a pass that
 * runs again, or in another process, never sends more.
 */
@Injectable()
export class ReviewReminders implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReviewReminders.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReminderReport>;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly settings: PlatformSettings,
    private readonly people: People,
  ) {}

  onApplicationBootstrap() {
    const interval = this.config.reviews.reminderIntervalMs;
    if (this.config.role === 'api' || interval === 0) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.logger.error({ msg: 'review reminders failed; will retry', error: String(error) }));
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass (tests call it directly); a pass already running in this process is joined, not doubled. */
  runOnce(): Promise<ReminderReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReminderReport> {
    const report: ReminderReport = { ran: false, reminded: [], escalated: [], withoutFallback: [] };
    const days = await this.settings.get(ExternalCertificateSettings.reminderDays);
    await this.orm.em.fork().transactional(async (em) => {
      const [{ locked }] = await em.execute<{ locked: boolean }[]>(`select pg_try_advisory_xact_lock(hashtext(?)) as locked`, [LOCK_KEY]);
      if (!locked) return;
      report.ran = true;
      const due = (column: 'reminded_at' | 'escalated_at', times: number) =>
        executeBound<DueRow>(
          em,
          `select id, user_id, name, reviewer_id, fallback_reviewer_id, submitted_at from external_certificates
            where state = 'pending_review' and ${column} is null and assigned_at < now() - make_interval(days => $1)
            order by assigned_at, id limit $2 for update skip locked`,
          [days * times, BATCH],
        );
      const reminders = await due('reminded_at', 1);
      const escalations = await due('escalated_at', 2);
      const names = await this.learnerNames([...reminders, ...escalations].map((row) => row.user_id));
      const event = (row: DueRow, recipientId: string, kind: 'reminder' | 'escalation') =>
        new ReviewReminderDue({
          externalCertificateId: row.id,
          userId: row.user_id,
          learnerName: names.get(row.user_id) ?? '',
          name: row.name,
          recipientId,
          kind,
          submittedAt: new Date(row.submitted_at).toISOString(),
        });
      for (const row of reminders) {
        recordEvent(em, event(row, row.reviewer_id, 'reminder'));
        report.reminded.push(row.id);
      }
      for (const row of escalations) {
        if (row.fallback_reviewer_id === null || row.fallback_reviewer_id === row.reviewer_id) {
          report.withoutFallback.push(row.id);
          continue;
        }
        recordEvent(em, event(row, row.fallback_reviewer_id, 'escalation'));
        report.escalated.push(row.id);
      }
      if (reminders.length > 0) await executeBound(em, `update external_certificates set reminded_at = now() where id = any($1::uuid[])`, [reminders.map((row) => row.id)]);
      if (escalations.length > 0) await executeBound(em, `update external_certificates set escalated_at = now() where id = any($1::uuid[])`, [escalations.map((row) => row.id)]);
      await em.flush();
    });
    if (report.withoutFallback.length > 0) {
      this.logger.warn({ msg: 'pending reviews due an escalation have no fallback reviewer; marked escalated without a mail', externalCertificateIds: report.withoutFallback });
    }
    if (report.reminded.length > 0 || report.escalated.length > 0) this.logger.log({ msg: 'review reminders', reminded: report.reminded.length, escalated: report.escalated.length });
    return report;
  }

  private async learnerNames(userIds: string[]): Promise<Map<string, string>> {
    // Deleted learners too (their tasks may still wait): the directory the Validation module uses for names.
    const users = await RequestContext.create(this.orm.em.fork(), () => this.people.byIds(userIds));
    return new Map([...users].map(([id, user]) => [id, displayName(user) ?? '']));
  }
}
