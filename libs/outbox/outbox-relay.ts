import { MikroORM } from '@mikro-orm/postgresql';
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
const RETENTION_DAYS = 7;

interface OutboxRow {
  id: string;
  event_type: string;
  occurred_at: Date;
}

/**
 * Moves committed outbox rows onto the Bull queue. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * any number of processes can relay at once; the Bull job id is the event id, so a row relayed twice
 * (crash between enqueue and commit) is still one job, and consumers are idempotent besides.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<number>;
  private kickedWhileRunning = false;
  private outboxWritten = false;
  private lastPrune = 0;

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
      await this.pruneOccasionally();
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
      const rows = await em.execute<OutboxRow[]>(
        `select id, event_type, occurred_at from outbox_messages
          where dispatched_at is null order by occurred_at, id limit ${BATCH_SIZE} for update skip locked`,
      );
      if (rows.length === 0) return 0;
      await this.queue.addBulk(
        rows.map((row) => ({
          // Without the payload: the dispatcher reads it from the row (EventJob).
          data: { id: row.id, type: row.event_type, occurredAt: new Date(row.occurred_at).toISOString() } satisfies EventJob,
          opts: eventJobOptions(this.config, row.id),
        })),
      );
      await em.execute(`update outbox_messages set dispatched_at = now() where id = any(?::uuid[])`, [
        pgArray(rows.map((row) => row.id)),
      ]);
      return rows.length;
    });
  }

  private async pruneOccasionally() {
    if (Date.now() - this.lastPrune < 10 * 60_000) return;
    this.lastPrune = Date.now();
    await this.orm.em
      .fork()
      .execute(`delete from outbox_messages where dispatched_at < now() - interval '${RETENTION_DAYS} days'`);
  }
}
