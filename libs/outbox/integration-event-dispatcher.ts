import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job, Queue } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { requestContext } from '#libs/logging/request-context.js';
import { withAfterCommit } from './after-commit.js';
import { INTEGRATION_EVENTS_QUEUE } from './outbox.constants.js';
import { DeadLetters, type EventJob } from './dead-letters.js';
import './messages.js';
import { BATCH_KEY } from './outbox.js';
import { SUBSCRIBER_METADATA, type IntegrationEventSubscriber, type SubscriberMetadata } from './subscriber.js';

interface RegisteredSubscriber extends SubscriberMetadata {
  instance: IntegrationEventSubscriber;
}

/**
 * Worker side of the outbox: takes events off the Bull queue and hands each to every subscriber,
 * each in its own transaction with an inbox row (consumer, event id). An event delivered again finds
 * the inbox row and changes nothing.
 */
@Injectable()
export class IntegrationEventDispatcher implements OnApplicationBootstrap {
  private readonly logger = new Logger(IntegrationEventDispatcher.name);
  private readonly subscribers = new Map<string, RegisteredSubscriber[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    @InjectQueue(INTEGRATION_EVENTS_QUEUE) private readonly queue: Queue,
    private readonly deadLetters: DeadLetters,
  ) {}

  onApplicationBootstrap() {
    for (const wrapper of this.discovery.getProviders()) {
      const metadata: SubscriberMetadata | undefined =
        wrapper.metatype && Reflect.getMetadata(SUBSCRIBER_METADATA, wrapper.metatype);
      if (!metadata || !wrapper.instance) continue;
      const list = this.subscribers.get(metadata.eventType) ?? [];
      if (list.some((s) => s.consumer === metadata.consumer)) {
        throw new Error(`Two subscribers use the consumer name "${metadata.consumer}" for ${metadata.eventType}`);
      }
      list.push({ ...metadata, instance: wrapper.instance as IntegrationEventSubscriber });
      this.subscribers.set(metadata.eventType, list);
    }
    if (this.config.role !== 'api') {
      this.queue.process(4, (job: Job<EventJob>) =>
        requestContext.run({ requestId: `event:${job.data.id}` }, () => this.processJob(job)),
      ).catch((error: unknown) => this.logger.warn({ msg: 'stopped taking event jobs', error: String(error) }));
    }
  }

  subscriberCount(eventType: string): number {
    return this.subscribers.get(eventType)?.length ?? 0;
  }

  /**
   * One delivery attempt. Every subscriber gets its chance even when another fails (each in its own
   * transaction, so the ones that succeeded are skipped by the inbox on the next attempt). On the last
   * attempt, the consumers that still fail become dead letters; the job fails either way so Bull shows it.
   */
  private async processJob(job: Job<EventJob>): Promise<void> {
    if ((this.subscribers.get(job.data.type) ?? []).length === 0) {
      await this.markDelivered(job.data);
      return;
    }
    const event = await this.withPayload(job.data);
    if (!event) {
      // Its outbox row was pruned (kept some days after its delivery) and the event queued again: it was delivered.
      await job.discard();
      throw new Error(`event ${job.data.id} (${job.data.type}) is no longer in the outbox: it cannot be delivered`);
    }
    const failures = await this.deliverEach(event, job.data.consumer);
    if (failures.length === 0) {
      await this.markDelivered(job.data);
      return;
    }
    const attempts = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    if (attempts >= maxAttempts) {
      let allKept = true;
      for (const failure of failures) {
        await this.deadLetters.record(event, failure.consumer, failure.error, attempts).catch((error: unknown) => {
          allKept = false;
          this.logger.error({ msg: 'could not store a dead letter; the failed job stays in Bull', eventId: job.data.id, consumer: failure.consumer, error: String(error) });
        });
      }
      // The dead letters hold what is left to deliver; without them the outbox row stays undelivered, and is queued again.
      if (allKept) await this.markDelivered(job.data).catch((error: unknown) => this.logger.warn({ msg: 'could not mark an event delivered', eventId: job.data.id, error: String(error) }));
    }
    const first = failures[0];
    throw new Error(`${failures.length} consumer(s) failed, first ${first.consumer}: ${String((first.error as Error)?.message ?? first.error)}`);
  }

  /**
   * The outbox row's delivery: the relay queues undelivered rows again and prunes only delivered ones. A
   * dead-letter retry (one consumer) leaves it alone: its event counted as delivered when it became a dead letter.
   */
  private async markDelivered(job: EventJob): Promise<void> {
    if (job.consumer !== undefined) return;
    await this.orm.em.fork().execute(`update outbox_messages set delivered_at = now() where id = ? and delivered_at is null`, [job.id]);
  }

  /** The job's event with its payload: carried by a dead-letter retry, read from its outbox row otherwise (EventJob). */
  private async withPayload(job: EventJob): Promise<DeliveredEvent | undefined> {
    if (job.payload !== undefined) return { id: job.id, type: job.type, occurredAt: job.occurredAt, payload: job.payload };
    const [row] = await this.orm.em.fork().execute<{ payload: DeliveredEvent['payload'] }[]>(`select payload from outbox_messages where id = ?`, [job.id]);
    return row ? { id: job.id, type: job.type, occurredAt: job.occurredAt, payload: row.payload } : undefined;
  }

  /** Delivers to every subscriber (or only `onlyConsumer`); throws if any failed. */
  async deliver(event: DeliveredEvent, onlyConsumer?: string): Promise<void> {
    const failures = await this.deliverEach(event, onlyConsumer);
    if (failures.length > 0) throw failures[0].error;
  }

  private async deliverEach(event: DeliveredEvent, onlyConsumer?: string): Promise<{ consumer: string; error: unknown }[]> {
    const failures: { consumer: string; error: unknown }[] = [];
    for (const subscriber of this.subscribers.get(event.type) ?? []) {
      if (onlyConsumer !== undefined && subscriber.consumer !== onlyConsumer) continue;
      try {
        await this.deliverTo(subscriber, event);
      } catch (error) {
        this.logger.warn({ msg: 'event delivery failed', eventId: event.id, type: event.type, consumer: subscriber.consumer, error: String(error) });
        failures.push({ consumer: subscriber.consumer, error });
      }
    }
    return failures;
  }

  private async deliverTo(subscriber: RegisteredSubscriber, event: DeliveredEvent): Promise<void> {
    // Work a subscriber asked to run after its commit (afterCommit): its failure does not undo the delivery.
    const afterCommitFailed = (error: unknown) =>
      this.logger.warn({ msg: 'work after an event delivery failed', eventId: event.id, consumer: subscriber.consumer, error: String(error) });
    const transaction = () =>
      this.orm.em.fork().transactional(async (em) => {
        const claimed = await em.execute<{ event_id: string }[]>(
          `insert into processed_events (consumer, event_id) values (?, ?)
           on conflict do nothing returning event_id`,
          [subscriber.consumer, event.id],
        );
        if (claimed.length === 0) return;
        const batch = (event.payload as Record<string, unknown>)[BATCH_KEY];
        if (!Array.isArray(batch)) {
          await subscriber.instance.handle(event, em);
          return;
        }
        const events = batch.map((payload: object) => ({ ...event, payload }));
        if (subscriber.instance.handleBatch) await subscriber.instance.handleBatch(events, em);
        else for (const single of events) await subscriber.instance.handle(single, em);
      });
    await withAfterCommit(transaction, afterCommitFailed);
    this.logger.debug({ msg: 'event delivered', eventId: event.id, type: event.type, consumer: subscriber.consumer });
  }
}
