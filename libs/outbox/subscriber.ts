import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';

export const SUBSCRIBER_METADATA = Symbol('integration-event-subscriber');

export interface SubscriberMetadata {
  eventType: string;
  consumer: string;
}

/**
 * Marks a provider as a subscriber of an integration event. `consumer` names it in the inbox table,
 * which is what makes delivery idempotent: keep it stable once events have been processed.
 */
export const SubscribesTo = (event: { readonly type: string }, consumer: string) =>
  SetMetadata(SUBSCRIBER_METADATA, { eventType: event.type, consumer } satisfies SubscriberMetadata);

export interface IntegrationEventSubscriber<TPayload extends object = object> {
  /**
   * Runs inside a transaction together with the inbox record for this event. Write through `em`;
   * it is flushed and committed when this returns. Throwing rolls both back and the event is retried.
   */
  handle(event: DeliveredEvent<TPayload>, em: EntityManager): Promise<void>;
  /**
   * Optional: several events of this type recorded by one bulk unit of work (an import chunk), in one
   * transaction. Without it, handle() is called for each event in turn, in the same transaction.
   */
  handleBatch?(events: DeliveredEvent<TPayload>[], em: EntityManager): Promise<void>;
}
