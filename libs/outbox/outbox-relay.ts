import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';
import { pgArray } from '#libs/database/sql.js';
import { eventJobOptions, type EventJob } from './dead-letters.js';
import { INTEGRATION_EVENTS_QUEUE } from './outbox.constants.js';
import { OutboxMessage } from './outbox-message.js';
import { outboxWrites } from './outbox.js';

const BATCH_SIZE = 500;
/** A delivered event's row is kept this long (a dead-letter retry carries its own payload). */
const RETENTION_DAYS = 7;
/** How often the relay prunes delivered rows and queues again the relayed ones still undelivered. */
const MAINTENANCE_INTERVAL_MS = 10 * 60_000;
/** A relayed event not delivered after this long is queued again (its job may have been lost with Redis). */
const REQUEUE_AFTER_MINUTES = 10;

interface OutboxRow {
  id: string;
  event_type: string;
  occurred_at: Date;
}

/**
 * Moves committed outbox rows onto the Bull queue. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * any number of processes can relay at once; the Bull job id is the event id, so a row relayed twice
 * (crash between enqueue and commit) is still one job, and consumers are idempotent besides.
 * Redis keeps no event the outbox cannot give again: every ten minutes, rows relayed but still not
 * delivered after ten minutes are checked against Bull (requeueUndelivered: a job lost with a flushed or
 * restarted Redis is queued again), and delivered rows older than the retention are deleted. A row is
 * never pruned before its delivery.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<number>;
  private kickedWhileRunning = false;
  private outboxWritten = false;
  private lastMaintenance = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    @InjectQueue(INTEGRATION_EVENTS_QUEUE) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.outboxRelayEnabled) return;
    // Relay as soon as a transaction that wrote outbox rows commits, instead of waiting for the poll.
    // Savepoints also report a commit, so the mark stays until a pass has actually relayed something.
    outboxWrites.listener = () => (this.outboxWritten = true);
    this.orm.em.getEventManager().registerSubscriber({
      afterFlush: ({ uow }) => {
        // A flush outside an explicit transaction has committed by now; inside one, the kick is early
        // but harmless, and the commit kicks again.
        if (uow.getChangeSets().some((changeSet) => changeSet.entity instanceof OutboxMessage)) {
          this.outboxWritten = true;
          this.kick();
        }
      },
      afterTransactionCommit: () => {
        if (this.outboxWritten) this.kick();
      },
    });
    this.schedule(0);
  }

  async onApplicationShutdown() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  /** Relays now (or right after the pass that is running). */
  kick() {
    if (this.stopped) return;
    if (this.running) {
      this.kickedWhileRunning = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), delayMs);
  }

  private async pass() {
    this.timer = undefined;
    let relayed = 0;
    try {
      this.running = this.relayOnce();
      relayed = await this.running;
      if (relayed > 0) this.outboxWritten = false;
      await this.maintainOccasionally();
    } catch (error) {
      this.logger.error({ msg: 'outbox relay failed; will retry', error: String(error) });
    } finally {
      this.running = undefined;
    }
    const again = relayed === BATCH_SIZE || this.kickedWhileRunning;
    this.kickedWhileRunning = false;
    this.schedule(again ? 0 : this.config.outboxPollIntervalMs);
  }

  /** Relays one batch; returns how many events it moved. */
  async relayOnce(): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      const rows = await this.claim(em, `dispatched_at is null order by occurred_at, id`);
      if (rows.length > 0) await this.queue.addBulk(rows.map((row) => this.jobOf(row)));
      return this.markRelayed(em, rows);
    });
  }

  private async maintainOccasionally() {
    if (Date.now() - this.lastMaintenance < MAINTENANCE_INTERVAL_MS) return;
    this.lastMaintenance = Date.now();
    // Each on its own: a failing requeue must not stop the pruning, nor the other way round.
    await this.requeueUndelivered().catch((error: unknown) => this.logger.error({ msg: 'queueing undelivered events again failed; will retry', error: String(error) }));
    await this.prune().catch((error: unknown) => this.logger.error({ msg: 'pruning delivered events failed; will retry', error: String(error) }));
  }

  /**
   * The events relayed more than REQUEUE_AFTER_MINUTES ago and not delivered yet, each asked about once per
   * REQUEUE_AFTER_MINUTES: a job Bull no longer has is queued again; one that failed its last attempt (its
   * dead letters could not be stored) is replaced by a new job with every attempt again; one Bull completed
   * (a worker from before delivery was recorded took it) marks its row delivered; one still waiting, active or
   * retrying is left to Bull. Returns how many were queued again.
   */
  async requeueUndelivered(): Promise<number> {
    let requeued = 0;
    for (;;) {
      const [batch, again] = await this.orm.em.fork().transactional(async (em) => {
        const rows = await this.claim(
          em,
          `delivered_at is null and dispatched_at < now() - interval '${REQUEUE_AFTER_MINUTES} minutes'
             and (requeue_checked_at is null or requeue_checked_at < now() - interval '${REQUEUE_AFTER_MINUTES} minutes')
           order by dispatched_at, id`,
        );
        if (rows.length === 0) return [0, 0] as const;
        const states = await Promise.all(rows.map((row) => this.jobStateOf(row.id)));
        const lost = rows.filter((_, index) => states[index] === 'lost');
        const completed = rows.filter((_, index) => states[index] === 'completed');
        if (lost.length > 0) await this.queue.addBulk(lost.map((row) => this.jobOf(row)));
        if (completed.length > 0) await em.execute(`update outbox_messages set delivered_at = now() where id = any(?::uuid[])`, [pgArray(completed.map((row) => row.id))]);
        await em.execute(`update outbox_messages set requeue_checked_at = now() where id = any(?::uuid[])`, [pgArray(rows.map((row) => row.id))]);
        return [rows.length, lost.length] as const;
      });
      requeued += again;
      if (batch < BATCH_SIZE) break;
    }
    if (requeued > 0) this.logger.warn({ msg: 'relayed events not delivered yet were queued again', events: requeued, afterMinutes: REQUEUE_AFTER_MINUTES });
    return requeued;
  }

  /** What Bull holds of an event's job; a failed one is removed here (to be added again). Unsure: `held`, asked again next time. */
  private async jobStateOf(id: string): Promise<'lost' | 'completed' | 'held'> {
    try {
      const job = await this.queue.getJob(id);
      if (!job) return 'lost';
      if (await job.isCompleted()) return 'completed';
      if (!(await job.isFailed())) return 'held';
      await job.remove();
      return 'lost';
    } catch (error) {
      this.logger.warn({ msg: 'could not ask the queue about an undelivered event; asking again later', eventId: id, error: String(error) });
      return 'held';
    }
  }

  private claim(em: EntityManager, where: string): Promise<OutboxRow[]> {
    return em.execute<OutboxRow[]>(`select id, event_type, occurred_at from outbox_messages where ${where} limit ${BATCH_SIZE} for update skip locked`);
  }

  private jobOf(row: OutboxRow) {
    // Without the payload: the dispatcher reads it from the row (EventJob).
    return { data: { id: row.id, type: row.event_type, occurredAt: new Date(row.occurred_at).toISOString() } satisfies EventJob, opts: eventJobOptions(this.config, row.id) };
  }

  /** Marks the rows relayed now; how many. */
  private async markRelayed(em: EntityManager, rows: OutboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await em.execute(`update outbox_messages set dispatched_at = now() where id = any(?::uuid[])`, [pgArray(rows.map((row) => row.id))]);
    return rows.length;
  }

  /** Deletes the rows of events delivered more than RETENTION_DAYS ago; how many. */
  async prune(): Promise<number> {
    const deleted = await this.orm.em
      .fork()
      .execute<{ id: string }[]>(`delete from outbox_messages where delivered_at < now() - interval '${RETENTION_DAYS} days' returning id`);
    return deleted.length;
  }
}
