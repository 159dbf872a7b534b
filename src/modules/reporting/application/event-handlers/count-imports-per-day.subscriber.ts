import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ImportCompleted, type ImportCompletedPayload } from '#libs/contracts/imports/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * Imports and their rows per day (the day an import ended), type, outcome and who started them (reports
 * are limited to the users a caller may see); idempotent via the inbox.
 */
@Injectable()
@SubscribesTo(ImportCompleted, 'reporting.imports-per-day')
export class CountImportsPerDaySubscriber implements IntegrationEventSubscriber<ImportCompletedPayload> {
  async handle({ payload }: DeliveredEvent<ImportCompletedPayload>, em: EntityManager): Promise<void> {
    await (em as SqlEntityManager).execute(
      `insert into reporting_imports_per_day (day, import_type, validate_only, started_by, imports, imports_failed, rows_succeeded, rows_failed, rows_skipped)
       values ((?::timestamptz at time zone 'UTC')::date, ?, ?, ?, 1, ?, ?, ?, ?)
       on conflict (day, import_type, validate_only, started_by) do update set
         imports = reporting_imports_per_day.imports + 1,
         imports_failed = reporting_imports_per_day.imports_failed + excluded.imports_failed,
         rows_succeeded = reporting_imports_per_day.rows_succeeded + excluded.rows_succeeded,
         rows_failed = reporting_imports_per_day.rows_failed + excluded.rows_failed,
         rows_skipped = reporting_imports_per_day.rows_skipped + excluded.rows_skipped`,
      [
        payload.finishedAt,
        payload.type,
        payload.validateOnly,
        payload.startedBy,
        payload.status === 'failed' ? 1 : 0,
        payload.succeededRows,
        payload.failedRows,
        payload.skippedRows,
      ],
    );
  }
}
