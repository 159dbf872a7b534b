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
   * A chunk of an import at once: one upsert per definition, month and user, the batch bound as arrays.
   * The rows keep the user so that reports can be limited to the users a caller may see; a definition's
   * code is kept current on all its rows. reporting_definition_codes holds the code its rows carry: only
   * a definition whose code differs from it (or that it does not know yet) has all its rows corrected,
   * the batch's other definitions cost one primary-key look-up each.
   *
   * That look-up share-locks, until commit, the definitions whose code it confirms; a code that differs
   * is changed with the row locked exclusively, before any count is written. So a batch that changes a
   * code waits for the batches that confirmed the old one (their rows are committed when it corrects the
   * rows), and one that starts meanwhile waits for it, then no longer finds its code confirmed and changes
   * it back if it carries the old one (as the last batch always did): no row written concurrently keeps
   * a code the table no longer says. Batches that confirm a code only share the lock and run in parallel.
   */
  async handleBatch(events: DeliveredEvent<ObtainedCertificateRegisteredPayload>[], em: EntityManager): Promise<void> {
    // The code a batch gives a definition: its last event's (registration order), on every row it writes.
    const codes = new Map<string, string>();
    for (const { payload } of events) codes.set(payload.definitionId, payload.definitionCode);
    const definitionIds = [...codes.keys()].sort();
    const confirmed = await executeBound<{ definition_id: string }>(
      em,
      `select r.definition_id from reporting_definition_codes r
         join unnest($1::uuid[], $2::text[]) as b(definition_id, definition_code)
           on r.definition_id = b.definition_id and r.definition_code = b.definition_code
        order by r.definition_id for share of r`,
      [definitionIds, definitionIds.map((id) => codes.get(id))],
    );
    const unchanged = new Set(confirmed.map((row) => row.definition_id));
    const stale = definitionIds.filter((id) => !unchanged.has(id));
    // Before the counts, so that a definition's rows are corrected by one batch at a time (the upsert locks it).
    const changed =
      stale.length === 0
        ? []
        : await executeBound<{ definition_id: string; definition_code: string }>(
            em,
            `insert into reporting_definition_codes (definition_id, definition_code)
             select * from unnest($1::uuid[], $2::text[]) order by 1
             on conflict (definition_id) do update set definition_code = excluded.definition_code
               where reporting_definition_codes.definition_code <> excluded.definition_code
             returning definition_id, definition_code`,
            [stale, stale.map((id) => codes.get(id))],
          );
    await executeBound(
      em,
      `insert into reporting_certificates_per_month (definition_id, definition_code, month, user_id, certificates)
       select e.definition_id, max(e.definition_code), date_trunc('month', e.obtained_on)::date, e.user_id, count(*)
         from unnest($1::uuid[], $2::text[], $3::date[], $4::uuid[]) as e(definition_id, definition_code, obtained_on, user_id)
        group by e.definition_id, date_trunc('month', e.obtained_on), e.user_id
       on conflict (definition_id, month, user_id) do update
         set certificates = reporting_certificates_per_month.certificates + excluded.certificates,
             definition_code = excluded.definition_code`,
      [
        events.map(({ payload }) => payload.definitionId),
        events.map(({ payload }) => codes.get(payload.definitionId)),
        events.map(({ payload }) => payload.obtainedOn),
        events.map(({ payload }) => payload.userId),
      ],
    );
    if (changed.length > 0) {
      await executeBound(
        em,
        `update reporting_certificates_per_month r set definition_code = e.definition_code
           from unnest($1::uuid[], $2::text[]) as e(definition_id, definition_code)
          where r.definition_id = e.definition_id and r.definition_code <> e.definition_code`,
        [changed.map((row) => row.definition_id), changed.map((row) => row.definition_code)],
      );
    }
  }
}
