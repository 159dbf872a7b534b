import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import {
  ObtainedCertificateRemoved,
  type ObtainedCertificateRemovedPayload,
} from '#libs/contracts/certificates/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { executeBound } from '#libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * Takes removed certificates (an undone import) out of reporting_certificates_per_month: the cell of
 * their definition, month and user goes down by one each. Idempotent through the inbox, as the counting
 * subscriber. Events arrive in no guaranteed order, so a removal may come before its registration: the
 * cell then is -1 for that moment and the registration brings it back to 0 (addition in any order).
 */
@Injectable()
@SubscribesTo(ObtainedCertificateRemoved, 'reporting.certificates-per-month.removed')
export class UncountRemovedCertificatesSubscriber implements IntegrationEventSubscriber<ObtainedCertificateRemovedPayload> {
  async handle(event: DeliveredEvent<ObtainedCertificateRemovedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }

  async handleBatch(events: DeliveredEvent<ObtainedCertificateRemovedPayload>[], em: EntityManager): Promise<void> {
    const rows = JSON.stringify(
      events.map(({ payload }) => ({ definition_id: payload.definitionId, definition_code: payload.definitionCode, obtained_on: payload.obtainedOn, user_id: payload.userId })),
    );
    await executeBound(
      em,
      `insert into reporting_certificates_per_month (definition_id, definition_code, month, user_id, certificates)
       select e.definition_id, max(e.definition_code), date_trunc('month', e.obtained_on)::date, e.user_id, -count(*)
         from jsonb_to_recordset($1::jsonb) as e(definition_id uuid, definition_code text, obtained_on date, user_id uuid)
        group by e.definition_id, date_trunc('month', e.obtained_on), e.user_id
       on conflict (definition_id, month, user_id) do update
         set certificates = reporting_certificates_per_month.certificates + excluded.certificates`,
      [rows],
    );
    // A cell nothing is left in is no cell: the report shows months with certificates.
    await executeBound(
      em,
      `delete from reporting_certificates_per_month r
        using (select distinct definition_id, date_trunc('month', obtained_on)::date as month, user_id
                 from jsonb_to_recordset($1::jsonb) as e(definition_id uuid, obtained_on date, user_id uuid)) e
        where r.definition_id = e.definition_id and r.month = e.month and r.user_id is not distinct from e.user_id and r.certificates = 0`,
      [rows],
    );
  }
}
