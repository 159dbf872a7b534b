import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { ImportCompleted, type ImportCompletedPayload } from '#libs/contracts/imports/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

const TITLE_BY_STATUS: Record<ImportCompletedPayload['status'], string> = {
  completed: 'NOTIFICATIONS.IMPORT_COMPLETED',
  completed_with_errors: 'NOTIFICATIONS.IMPORT_COMPLETED_WITH_ERRORS',
  failed: 'NOTIFICATIONS.IMPORT_FAILED',
  cancelled: 'NOTIFICATIONS.IMPORT_CANCELLED',
  expired: 'NOTIFICATIONS.IMPORT_EXPIRED',
};

/** Tells the admin who started an import that it ended: an in-app notification with a link to it. */
@Injectable()
@SubscribesTo(ImportCompleted, 'notifications.import-completed')
export class NotifyOnImportCompleted implements IntegrationEventSubscriber<ImportCompletedPayload> {
  async handle(event: DeliveredEvent<ImportCompletedPayload>, em: EntityManager): Promise<void> {
    const run = event.payload;
    const params = {
      fileName: run.fileName,
      succeeded: run.succeededRows,
      failed: run.failedRows,
      skipped: run.skippedRows,
      check: run.validateOnly ? 1 : 0,
    };
    await (em as SqlEntityManager).execute(
      `insert into in_app_notifications (id, user_id, kind, title_key, params, link) values (?, ?, 'import-completed', ?, ?::jsonb, ?)`,
      [randomUUID(), run.startedBy, TITLE_BY_STATUS[run.status], JSON.stringify(params), `/api/imports/${run.importId}`],
    );
  }
}
