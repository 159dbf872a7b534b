import type { EntityManager } from '@mikro-orm/core';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { ImportStarted, type ImportStartedPayload } from '#libs/contracts/imports/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { IMPORTS_QUEUE, parseJobId, type ParseJob } from '../processing/import-queue.js';

/** Turns the committed ImportStarted into the parse job (one per import, whatever the redeliveries). */
@Injectable()
@SubscribesTo(ImportStarted, 'imports.queue-parsing')
export class QueueParsingOnImportStarted implements IntegrationEventSubscriber<ImportStartedPayload> {
  constructor(@InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue) {}

  async handle(event: DeliveredEvent<ImportStartedPayload>, _em: EntityManager): Promise<void> {
    const job: ParseJob = { importId: event.payload.importId };
    await this.queue.add('parse', job, {
      jobId: parseJobId(event.payload.importId),
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }
}
