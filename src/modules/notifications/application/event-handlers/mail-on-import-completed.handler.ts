import type { EntityManager } from '@mikro-orm/core';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { ImportCompleted, type ImportCompletedPayload } from '#libs/contracts/imports/index.js';
import { GetPrincipalQuery } from '#libs/contracts/users/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { MailDeliveries } from '../mail-deliveries.js';

/** Mails the admin who started an import its outcome: the counts and a link to the import log. */
@Injectable()
@SubscribesTo(ImportCompleted, 'notifications.import-completed-mail')
export class MailOnImportCompleted implements IntegrationEventSubscriber<ImportCompletedPayload> {
  constructor(
    private readonly deliveries: MailDeliveries,
    private readonly queries: QueryBus,
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  async handle({ id, payload: run }: DeliveredEvent<ImportCompletedPayload>, em: EntityManager): Promise<void> {
    // The starter's address as it is now; an account that was closed since gets no mail.
    const starter = await RequestContext.create(this.orm.em.fork(), () => this.queries.execute(new GetPrincipalQuery(run.startedBy)));
    if (!starter) return;
    await this.deliveries.request(em, [
      {
        eventId: id,
        template: 'import-completed',
        recipientUserId: run.startedBy,
        recipientEmail: starter.email,
        language: run.startedByLanguage,
        params: {
          importId: run.importId,
          importType: run.type,
          fileName: run.fileName,
          validateOnly: run.validateOnly,
          completed: run.status === 'completed',
          completedWithErrors: run.status === 'completed_with_errors',
          failed: run.status === 'failed',
          cancelled: run.status === 'cancelled',
          expired: run.status === 'expired',
          totalRows: run.totalRows,
          succeededRows: run.succeededRows,
          failedRows: run.failedRows,
          skippedRows: run.skippedRows,
          warningRows: run.warningRows,
          logUrl: `${this.config.publicUrl}/api/imports/${run.importId}/rows`,
        },
      },
    ]);
  }
}
