import type { EntityManager } from '@mikro-orm/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IntegrationEvent } from '#libs/contracts/integration-event.js';
import { executeBound } from '#libs/database/bound-query.js';
import { OutboxMessage } from './outbox-message.js';

/** Payload key of an outbox message that carries several events of one type (see collectEvents). */
export const BATCH_KEY = '$batch';

const collecting = new AsyncLocalStorage<IntegrationEvent[]>();

/**
 * Queues an integration event in the unit of work of `em`: it is inserted by the same flush, in the
 * same transaction, as the aggregate change that caused it. No flush, no event; rollback, no event.
 * Inside collectEvents() the event is held back and written with the others of its type as one message.
 */
export function recordEvent(em: EntityManager, event: IntegrationEvent): void {
  const batch = collecting.getStore();
  if (batch) {
    batch.push(event);
    return;
  }
  em.persist(new OutboxMessage(event));
}

/**
 * Runs bulk work (an import chunk) and writes the events it records as one outbox message per event
 * type, in `em`'s transaction, before the caller commits. A thousand registrations become one message, one queue
 * job and one delivery per subscriber instead of a thousand; subscribers still see every event.
 */
export async function collectEvents<T>(em: EntityManager, work: () => Promise<T>): Promise<T> {
  const batch: IntegrationEvent[] = [];
  const result = await collecting.run(batch, work);
  const byType = new Map<string, object[]>();
  for (const event of batch) {
    const payloads = byType.get(event.type);
    if (payloads) payloads.push(event.payload);
    else byType.set(event.type, [event.payload]);
  }
  for (const [type, payloads] of byType) {
    const message = new OutboxMessage(payloads.length === 1 ? { type, payload: payloads[0] } : { type, payload: { [BATCH_KEY]: payloads } });
    // Written now, in em's transaction, with the JSON bound by the driver (a chunk's events are large).
    await executeBound(em, `insert into outbox_messages (id, event_type, payload, occurred_at) values ($1, $2, $3::json, $4)`, [
      message.id,
      message.eventType,
      JSON.stringify(message.payload),
      message.occurredAt,
    ]);
    outboxWrites.notify();
  }
  return result;
}

/**
 * Tells the relay (in this process) that outbox rows were written outside the ORM's flush, so it runs
 * as soon as the transaction commits instead of at its next poll.
 */
export const outboxWrites = {
  listener: undefined as (() => void) | undefined,
  notify(): void {
    this.listener?.();
  },
};
