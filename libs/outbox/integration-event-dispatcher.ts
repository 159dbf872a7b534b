import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../config/app-config.js';
import type { DeliveredEvent } from '../contracts/integration-event.js';
import { requestContext } from '../logging/request-context.js';
import { INTEGRATION_EVENTS_QUEUE } from './outbox.constants.js';
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
      void this.queue.process(4, (job: Job<DeliveredEvent>) =>
        requestContext.run({ requestId: `event:${job.data.id}` }, () => this.deliver(job.data)),
      );
    }
  }

  subscriberCount(eventType: string): number {
    return this.subscribers.get(eventType)?.length ?? 0;
  }

  async deliver(event: DeliveredEvent): Promise<void> {
    for (const subscriber of this.subscribers.get(event.type) ?? []) {
      await this.orm.em.fork().transactional(async (em) => {
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
      this.logger.debug({ msg: 'event delivered', eventId: event.id, type: event.type, consumer: subscriber.consumer });
    }
  }
}
