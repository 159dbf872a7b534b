import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import {
  LicenceAdded,
  LicenceChanged,
  LicenceRemoved,
  type LicenceAddedPayload,
  type LicenceChangedPayload,
  type LicenceRemovedPayload,
} from '#libs/contracts/licences/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * reporting_licences: one row per licence (holder, type, expiry), fed only by the Licences events. Events
 * may arrive in any order and more than once: a row takes an event only when its version is higher than
 * the one it holds, and a removal leaves a tombstone (removed, with its version) so that an older Added or
 * Changed delivered late cannot bring the licence back. Redelivery changes nothing (same version), besides
 * the inbox that already keeps it out. A batch (an import chunk's events) is one statement, its rows as one
 * array per column (no JSON document to build and parse); the table has one index besides its key (expiry).
 */
async function project(em: EntityManager, rows: { licence_id: string; user_id: string; type_id: string; type_code: string; type_name: string | null; expires_on: string | null; removed: boolean; version: number }[]) {
  await executeBound(
    em,
    `insert into reporting_licences (licence_id, user_id, type_id, type_code, type_name, expires_on, removed, version)
     select distinct on (e.licence_id) e.licence_id, e.user_id, e.type_id, e.type_code, e.type_name, e.expires_on, e.removed, e.version
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::boolean[], $8::bigint[])
         as e(licence_id, user_id, type_id, type_code, type_name, expires_on, removed, version)
      order by e.licence_id, e.version desc
     on conflict (licence_id) do update
       set user_id = excluded.user_id, type_id = excluded.type_id, type_code = excluded.type_code,
           type_name = coalesce(excluded.type_name, reporting_licences.type_name), expires_on = excluded.expires_on,
           removed = excluded.removed, version = excluded.version
     where reporting_licences.version < excluded.version`,
    [
      rows.map((r) => r.licence_id),
      rows.map((r) => r.user_id),
      rows.map((r) => r.type_id),
      rows.map((r) => r.type_code),
      rows.map((r) => r.type_name),
      rows.map((r) => r.expires_on),
      rows.map((r) => r.removed),
      rows.map((r) => r.version),
    ],
  );
}

const stateRow = ({ payload }: DeliveredEvent<LicenceAddedPayload | LicenceChangedPayload>) => ({
  licence_id: payload.licenceId,
  user_id: payload.userId,
  type_id: payload.typeId,
  type_code: payload.typeCode,
  type_name: payload.typeName,
  expires_on: payload.expiresOn,
  removed: false,
  version: payload.version,
});

@Injectable()
@SubscribesTo(LicenceAdded, 'reporting.licences.added')
export class ProjectAddedLicencesSubscriber implements IntegrationEventSubscriber<LicenceAddedPayload> {
  async handle(event: DeliveredEvent<LicenceAddedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }
  async handleBatch(events: DeliveredEvent<LicenceAddedPayload>[], em: EntityManager): Promise<void> {
    await project(em, events.map(stateRow));
  }
}

@Injectable()
@SubscribesTo(LicenceChanged, 'reporting.licences.changed')
export class ProjectChangedLicencesSubscriber implements IntegrationEventSubscriber<LicenceChangedPayload> {
  async handle(event: DeliveredEvent<LicenceChangedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }
  async handleBatch(events: DeliveredEvent<LicenceChangedPayload>[], em: EntityManager): Promise<void> {
    await project(em, events.map(stateRow));
  }
}

@Injectable()
@SubscribesTo(LicenceRemoved, 'reporting.licences.removed')
export class ProjectRemovedLicencesSubscriber implements IntegrationEventSubscriber<LicenceRemovedPayload> {
  async handle(event: DeliveredEvent<LicenceRemovedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }
  async handleBatch(events: DeliveredEvent<LicenceRemovedPayload>[], em: EntityManager): Promise<void> {
    await project(
      em,
      events.map(({ payload }) => ({
        licence_id: payload.licenceId,
        user_id: payload.userId,
        type_id: payload.typeId,
        type_code: payload.typeCode,
        type_name: null,
        expires_on: null,
        removed: true,
        version: payload.version,
      })),
    );
  }
}
