import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { afterCommit } from '#libs/outbox/after-commit.js';
import { MailDeliveryLog, type NewDelivery } from '../infrastructure/mail-delivery-log.js';
import { MailQueue } from './processing/mail-queue.js';

/**
 * What every mail-sending subscriber does: log the deliveries in the event's inbox transaction (one per
 * event, recipient and template; what exists already is left alone) and, once that commits, put the new
 * ones on the `mail` queue. A crash in between leaves them queued for the sweeper.
 */
@Injectable()
export class MailDeliveries {
  constructor(
    private readonly log: MailDeliveryLog,
    private readonly queue: MailQueue,
  ) {}

  async request(em: EntityManager, deliveries: NewDelivery[]): Promise<void> {
    const ids = await this.log.queue(em, deliveries);
    if (ids.length > 0) afterCommit(() => this.queue.enqueue(ids));
  }
}
