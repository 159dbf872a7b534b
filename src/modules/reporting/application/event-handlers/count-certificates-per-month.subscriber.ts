import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  ObtainedCertificateRegistered,
  type ObtainedCertificateRegisteredPayload,
} from '../../../../../libs/contracts/certificates/index.js';
import type { DeliveredEvent } from '../../../../../libs/contracts/integration-event.js';
import { executeBound } from '../../../../../libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '../../../../../libs/outbox/subscriber.js';

/**
 * Projects registrations into reporting_certificates_per_month: one row per definition and month the
 * certificate was obtained in. Runs in the dispatcher's transaction together with the inbox row, so a
 * redelivered event adds nothing.
 */
@Injectable()
@SubscribesTo(ObtainedCertificateRegistered, 'reporting.certificates-per-month')
export class CountCertificatesPerMonthSubscriber implements IntegrationEventSubscriber<ObtainedCertificateRegisteredPayload> {
  async handle({ payload }: DeliveredEvent<ObtainedCertificateRegisteredPayload>, em: EntityManager): Promise<void> {
    // The dispatcher hands over the SQL EntityManager of its transaction (typed as the core one).
    await (em as SqlEntityManager).execute(
      `insert into reporting_certificates_per_month (definition_id, definition_code, month, certificates)
       values (?, ?, date_trunc('month', ?::date)::date, 1)
       on conflict (definition_id, month) do update
         set certificates = reporting_certificates_per_month.certificates + 1,
             definition_code = excluded.definition_code`,
      [payload.definitionId, payload.definitionCode, payload.obtainedOn],
    );
  }

  /** A chunk of an import at once: one upsert per definition and month. */
  async handleBatch(events: DeliveredEvent<ObtainedCertificateRegisteredPayload>[], em: EntityManager): Promise<void> {
    await executeBound(
      em,
      `insert into reporting_certificates_per_month (definition_id, definition_code, month, certificates)
       select e.definition_id, max(e.definition_code), date_trunc('month', e.obtained_on)::date, count(*)
         from jsonb_to_recordset($1::jsonb) as e(definition_id uuid, definition_code text, obtained_on date)
        group by e.definition_id, date_trunc('month', e.obtained_on)
       on conflict (definition_id, month) do update
         set certificates = reporting_certificates_per_month.certificates + excluded.certificates,
             definition_code = excluded.definition_code`,
      [JSON.stringify(events.map(({ payload }) => ({ definition_id: payload.definitionId, definition_code: payload.definitionCode, obtained_on: payload.obtainedOn })))],
    );
  }
}
