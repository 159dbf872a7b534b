import { EntitySchema } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { IntegrationEvent } from '#libs/contracts/integration-event.js';

/** A row of the outbox table: written in the same transaction as the change that caused the event. */
export class OutboxMessage {
  id: string;
  eventType: string;
  payload: object;
  occurredAt: Date;
  dispatchedAt?: Date | null;
  /** Every subscriber took it (or its failure became a dead letter); the row is pruned some days after. */
  deliveredAt?: Date | null;

  constructor(event: IntegrationEvent) {
    this.id = randomUUID();
    this.eventType = event.type;
    this.payload = event.payload;
    this.occurredAt = new Date();
    this.dispatchedAt = null;
    this.deliveredAt = null;
  }
}

export const OutboxMessageSchema = new EntitySchema<OutboxMessage>({
  class: OutboxMessage,
  tableName: 'outbox_messages',
  properties: {
    id: { type: 'uuid', primary: true },
    eventType: { type: 'text' },
    payload: { type: 'json' },
    occurredAt: { type: 'timestamptz' },
    dispatchedAt: { type: 'timestamptz', nullable: true },
    deliveredAt: { type: 'timestamptz', nullable: true },
  },
});
