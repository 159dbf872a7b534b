import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { ImportAdvanced, ImportStarted, type ImportAdvancedPayload, type ImportStartedPayload } from '#libs/contracts/imports/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { ImportScheduler } from '../processing/import-scheduler.js';

/** Turns the committed ImportStarted into the preview job (one per import, whatever the redeliveries). */
@Injectable()
@SubscribesTo(ImportStarted, 'imports.queue-parsing')
export class ScheduleImportOnStarted implements IntegrationEventSubscriber<ImportStartedPayload> {
  constructor(private readonly scheduler: ImportScheduler) {}

  async handle(event: DeliveredEvent<ImportStartedPayload>, _em: EntityManager): Promise<void> {
    await this.scheduler.schedule(event.payload.importId);
  }
}

/** An admin moved an import on (mapping set, confirmed, undo asked): its next jobs are queued. */
@Injectable()
@SubscribesTo(ImportAdvanced, 'imports.schedule-advanced')
export class ScheduleImportOnAdvanced implements IntegrationEventSubscriber<ImportAdvancedPayload> {
  constructor(private readonly scheduler: ImportScheduler) {}

  async handle(event: DeliveredEvent<ImportAdvancedPayload>, _em: EntityManager): Promise<void> {
    await this.scheduler.schedule(event.payload.importId);
  }
}
