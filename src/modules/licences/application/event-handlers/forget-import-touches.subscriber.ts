import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { ImportCompleted, type ImportCompletedPayload } from '#libs/contracts/imports/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { LicenceStore } from '../../infrastructure/licence-store.js';

/**
 * A licences import that ended (completed, failed, cancelled or expired) runs no chunk again: what it
 * recorded as touched (one row per licence it changed, which only its own later chunks read) is deleted.
 * Undo and a retry do not need it (undo reads the row log; a retry is another import). Redelivery deletes
 * nothing more.
 */
@Injectable()
@SubscribesTo(ImportCompleted, 'licences.forget-import-touches')
export class ForgetImportTouchesSubscriber implements IntegrationEventSubscriber<ImportCompletedPayload> {
  async handle({ payload }: DeliveredEvent<ImportCompletedPayload>, em: EntityManager): Promise<void> {
    if (payload.type !== 'licences') return;
    await LicenceStore.forgetTouches(em as Parameters<typeof LicenceStore.forgetTouches>[0], payload.importId);
  }
}
