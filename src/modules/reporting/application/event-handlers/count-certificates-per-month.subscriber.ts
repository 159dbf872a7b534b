import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import {
  ObtainedCertificateRegistered,
  type ObtainedCertificateRegisteredPayload,
} from '#libs/contracts/certificates/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { executeBound } from '#libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * Projects registrations into reporting_certificates_per_month: one row per definition, month the
 * certificate was obtained in, and user. Runs in the dispatcher's transaction together with the inbox row, so a
 * redelivered event adds nothing.
 */
@Injectable()
@SubscribesTo(ObtainedCertificateRegistered, 'reporting.certificates-per-month')
export class CountCertificatesPerMonthSubscriber implements IntegrationEventSubscriber<ObtainedCertificateRegisteredPayload> {
  async handle(event: DeliveredEvent<ObtainedCertificateRegisteredPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }

  /**
   * A chunk of an import at once: one upsert per definition, month and user. The rows keep the user so
   * that reports can be limited to the users a caller may see; a definition's code is kept current on
   * all its rows.
   */
  async handleBatch(events: DeliveredEvent<ObtainedCertificateRegisteredPayload>[], em: EntityManager): Promise<void> {
    const rows = JSON.stringify(
      events.map(({ payload }) => ({ definition_id: payload.definitionId, definition_code: payload.definitionCode, obtained_on: payload.obtainedOn, user_id: payload.userId })),
    );
    await executeBound(
      em,
      `insert into reporting_certificates_per_month (definition_id, definition_code, month, user_id, certificates)
       select e.definition_id, max(e.definition_code), date_trunc('month', e.obtained_on)::date, e.user_id, count(*)
         from jsonb_to_recordset($1::jsonb) as e(definition_id uuid, definition_code text, obtained_on date, user_id uuid)
        group by e.definition_id, date_trunc('month', e.obtained_on), e.user_id
       on conflict (definition_id, month, user_id) do update
         set certificates = reporting_certificates_per_month.certificates + excluded.certificates,
             definition_code = excluded.definition_code`,
      [rows],
    );
    await executeBound(
      em,
      `update reporting_certificates_per_month r set definition_code = e.definition_code
         from (select distinct on (definition_id) definition_id, definition_code
                 from jsonb_to_recordset($1::jsonb) as e(definition_id uuid, definition_code text)) e
        where r.definition_id = e.definition_id and r.definition_code <> e.definition_code`,
      [rows],
    );
  }
}
