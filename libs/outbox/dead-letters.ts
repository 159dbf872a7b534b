import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '#libs/config/app-config.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { redactText } from '#libs/logging/redact.js';
import { INTEGRATION_EVENTS_QUEUE } from './outbox.constants.js';

/**
 * A queued event delivery; `consumer` set means: deliver to that subscriber only (a dead-letter retry). The
 * relay leaves the payload out (the dispatcher reads it from the outbox row: an import chunk's batch is
 * hundreds of kilobytes, and through Redis it was parsed and encoded twice more); a dead-letter retry carries
 * it, as its outbox row may be pruned by then.
 */
export interface EventJob extends Omit<DeliveredEvent, 'payload'> {
  payload?: DeliveredEvent['payload'];
  consumer?: string;
}

export interface DeadLetterView {
  id: string;
  eventId: string;
  eventType: string;
  consumer: string;
  payload: object;
  occurredAt: string;
  lastError: string;
  attempts: number;
  failedAt: string;
  status: 'dead' | 'retried';
  retriedAt: string | null;
  retryCount: number;
}

interface DeadLetterRow {
  id: string;
  event_id: string;
  event_type: string;
  consumer: string;
  payload: object;
  occurred_at: Date;
  last_error: string;
  attempts: number;
  failed_at: Date;
  status: 'dead' | 'retried';
  retried_at: Date | null;
  retry_count: number;
}

/** The options of every event delivery job: the relay and a dead-letter retry use the same. */
export function eventJobOptions(config: AppConfig, jobId: string) {
  return {
    jobId,
    attempts: config.ops.eventAttempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: 1000,
    removeOnFail: 5000,
  };
}

/**
 * Events whose delivery to a consumer failed on every attempt. They are kept with the (redacted) last
 * error so an operator can fix the cause and retry; a retry re-enqueues the event for that consumer only,
 * and the inbox (processed_events) still makes sure it is applied once.
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    @InjectQueue(INTEGRATION_EVENTS_QUEUE) private readonly queue: Queue,
  ) {}

  async record(event: DeliveredEvent, consumer: string, error: unknown, attempts: number): Promise<void> {
    const lastError = redactText(String((error as Error)?.message ?? error)).slice(0, 2000);
    await this.orm.em.fork().execute(
      `insert into dead_letters (id, event_id, event_type, consumer, payload, occurred_at, last_error, attempts, failed_at, status)
       values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, now(), 'dead')
       on conflict (event_id, consumer) do update set status = 'dead', last_error = excluded.last_error,
         attempts = dead_letters.attempts + excluded.attempts, failed_at = now()`,
      [randomUUID(), event.id, event.type, consumer, JSON.stringify(event.payload), event.occurredAt, lastError, attempts],
    );
    this.logger.error({ msg: 'event dead-lettered', eventId: event.id, type: event.type, consumer, attempts, error: lastError });
  }

  async list(status: 'dead' | 'retried' | 'all' = 'dead', limit = 100): Promise<DeadLetterView[]> {
    const rows = await this.orm.em.fork().execute<DeadLetterRow[]>(
      `select * from dead_letters ${status === 'all' ? '' : 'where status = ?'} order by failed_at desc limit ${Math.min(Math.max(limit, 1), 500)}`,
      status === 'all' ? [] : [status],
    );
    return rows.map(toView);
  }

  async count(): Promise<number> {
    const [row] = await this.orm.em.fork().execute<{ count: string }[]>(`select count(*) as count from dead_letters where status = 'dead'`);
    return Number(row.count);
  }

  /** Re-enqueues a dead letter for its consumer. Refuses one that was already retried and not dead again. */
  async retry(id: string): Promise<DeadLetterView> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const [row] = await tx.execute<DeadLetterRow[]>(`select * from dead_letters where id = ? for update`, [isUuid(id) ? id : '00000000-0000-0000-0000-000000000000']);
      if (!row) throw new DomainError('COMMON.NOT_FOUND', 'not_found');
      if (row.status !== 'dead') throw new DomainError('OPS.DEAD_LETTER_ALREADY_RETRIED', 'conflict', { id });
      const job: EventJob = {
        id: row.event_id,
        type: row.event_type,
        occurredAt: new Date(row.occurred_at).toISOString(),
        payload: row.payload,
        consumer: row.consumer,
      };
      const retryCount = row.retry_count + 1;
      await this.queue.add(job, eventJobOptions(this.config, `${row.event_id}:${row.consumer}:retry-${retryCount}`));
      const [updated] = await tx.execute<DeadLetterRow[]>(
        `update dead_letters set status = 'retried', retried_at = now(), retry_count = ? where id = ? returning *`,
        [retryCount, row.id],
      );
      return toView(updated);
    });
  }

  /** Deletes inbox rows older than the retention period; returns how many. */
  async pruneInbox(): Promise<number> {
    const result = await this.orm.em
      .fork()
      .execute<{ count: string }[]>(
        `with deleted as (delete from processed_events where processed_at < now() - make_interval(days => ?) returning 1)
         select count(*) as count from deleted`,
        [this.config.ops.inboxRetentionDays],
      );
    return Number(result[0]?.count ?? 0);
  }
}

function toView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    consumer: row.consumer,
    payload: row.payload,
    occurredAt: new Date(row.occurred_at).toISOString(),
    lastError: row.last_error,
    attempts: row.attempts,
    failedAt: new Date(row.failed_at).toISOString(),
    status: row.status,
    retriedAt: row.retried_at ? new Date(row.retried_at).toISOString() : null,
    retryCount: row.retry_count,
  };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
