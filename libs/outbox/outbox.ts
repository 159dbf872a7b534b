import type { EntityManager } from '@mikro-orm/core';
import type { IntegrationEvent } from '../contracts/integration-event.js';
import { OutboxMessage } from './outbox-message.js';

/**
 * Queues an integration event in the unit of work of `em`: it is inserted by the same flush, in the
 * same transaction, as the aggregate change that caused it. No flush, no event; rollback, no event.
 */
export function recordEvent(em: EntityManager, event: IntegrationEvent): OutboxMessage {
  const message = new OutboxMessage(event);
  em.persist(message);
  return message;
}
