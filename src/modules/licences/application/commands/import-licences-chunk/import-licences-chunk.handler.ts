import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import type { RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { LicenceAdded, LicenceChanged, LicenceRemoved, type LicenceEventContext } from '#libs/contracts/licences/index.js';
import { FindUsersByCodesOrEmailsQuery, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { licenceKey } from '../../../domain/licence.js';
import {
  checkLicenceRow,
  LICENCE_ENTITY,
  recordedState,
  rowKeys,
  type LicenceRecord,
  type LicenceTypeFacts,
  type PlannedLicenceRow,
} from '../../../domain/licence-import-rules.js';
import { eventState, LicenceStore } from '../../../infrastructure/licence-store.js';
import { LicenceAccess } from '../../licence-access.js';

/** A chunk of licences-import rows, as one command (module-internal: the licences import type sends it). */
export class ImportLicencesChunkCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly rows: RawImportRow[],
    readonly validateOnly: boolean,
  ) {
    super();
  }
}

/**
 * Adds, edits and deletes the licences of one chunk. Lookups, one statement each for the whole chunk: the
 * users (by code or email, in scope), the licence types (by code), the licences with the rows' identities
 * (locked until the chunk commits). Then the rules per row in memory (checkLicenceRow), and at most three
 * writes: one INSERT of the added licences, one UPDATE of the edited ones, one DELETE. Events
 * LicenceAdded / LicenceChanged / LicenceRemoved per row, in the chunk's transaction (the engine collects
 * them into one outbox message per type, and a validation pass rolls them back with the writes).
 */
@CommandHandler(ImportLicencesChunkCommand)
export class ImportLicencesChunkHandler implements ICommandHandler<ImportLicencesChunkCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, importId, rows, validateOnly }: ImportLicencesChunkCommand): Promise<RowOutcome[]> {
    const keys = rows.map(rowKeys);
    const found = await this.queries.execute(new FindUsersByCodesOrEmailsQuery(principal, keys.map((k) => k.user)));
    // Own keys only: a User cell `constructor` must not find Object.prototype's member.
    // The admin's own licences are not theirs to manage (LicenceAccess): their own code or email reads as unknown.
    const userOf = (key: string) => (Object.hasOwn(found, key) && LicenceAccess.managesHolder(principal, found[key].id) ? found[key] : undefined);
    const types = new Map<string, LicenceTypeFacts>(
      (await LicenceStore.typesByCodes(this.em, [...new Set(keys.map((k) => k.typeCode).filter(Boolean))])).map((type) => [type.code, type]),
    );
    // The licence of each row, by row index, matched in SQL (lower() on both sides, as the unique index).
    const identities = keys.flatMap((k, index) => {
      const user = userOf(k.user);
      const type = types.get(k.typeCode);
      return user && type ? [{ index, userId: user.id, typeId: type.id, number: k.number || null }] : [];
    });
    const identified = await LicenceStore.byIdentities(this.em, identities);
    const existing = new Map<number, LicenceRecord>();
    for (const licence of identified.licences) existing.set(identities[licence.asked].index, licence);
    // In-memory keys by PostgreSQL's lower(), never JavaScript's (they differ: Greek final sigma, Turkish İ).
    // Only a row with a user and a type has one (the others fail before a key is needed).
    const numberKeys = new Map(identities.map((identity, i) => [identity.index, identified.numberKeys[i]]));

    const outcomes: RowOutcome[] = [];
    const checked: PlannedLicenceRow[] = [];
    const firstRowOfKey = new Map<string, number>();
    const touchOf = new Map<number, { userId: string; typeId: string; numberKey: string; rowNumber: number }>();
    rows.forEach((row, index) => {
      const k = keys[index];
      const user = userOf(k.user);
      const type = types.get(k.typeCode);
      const key = user && type ? licenceKey(user.id, type.id, numberKeys.get(index)!) : undefined;
      const result = checkLicenceRow(row, {
        user,
        type,
        existing: existing.get(index),
        sameKeyRow: key ? firstRowOfKey.get(key) : undefined,
      });
      if ('status' in result) outcomes.push(result);
      else {
        // Only a row that passed claims its licence: a failed row changes nothing, so a corrected row of the
        // same licence after it must not fail as "the same licence twice".
        firstRowOfKey.set(key!, row.rowNumber);
        checked.push(result);
        touchOf.set(row.rowNumber, { userId: user!.id, typeId: type!.id, numberKey: numberKeys.get(index)!, rowNumber: row.rowNumber });
      }
    });

    // One touch per licence per import, across chunks too (the same user by code here, by email in an
    // earlier chunk): a licence an earlier row of this import touched fails, so undo has one state to restore.
    const touchedBefore = await LicenceStore.touch(this.em, importId, [...touchOf.values()]);
    const plans = checked.filter((plan) => {
      const earlier = touchedBefore.get(String(plan.row.rowNumber));
      if (earlier === undefined) return true;
      outcomes.push({ rowNumber: plan.row.rowNumber, status: 'failed', errors: [{ code: 'LICENCES.IMPORT_SAME_LICENCE_TWICE', params: { row: earlier } }], warnings: [] });
      return false;
    });

    const adds = plans.filter((plan) => plan.kind === 'add').map((plan) => ({ plan, licence: { id: randomUUID(), userId: plan.userId, typeId: plan.type.id, number: plan.number, jurisdiction: plan.jurisdiction, issuedOn: plan.issuedOn, expiresOn: plan.expiresOn } }));
    const edits = plans.filter((plan) => plan.kind === 'edit').map((plan) => ({ plan, licence: { ...plan.existing, jurisdiction: plan.jurisdiction, issuedOn: plan.issuedOn, expiresOn: plan.expiresOn } }));
    const deletes = plans.filter((plan) => plan.kind === 'delete');

    const added = await LicenceStore.insert(this.em, adds.map((a) => a.licence));
    const edited = await LicenceStore.update(this.em, edits.filter((e) => e.plan.changed).map((e) => e.licence));
    const removed = await LicenceStore.remove(this.em, deletes.map((d) => d.existing.id));

    const context: LicenceEventContext = { changedBy: principal.userId, source: 'import', importId };
    for (const { plan, licence } of adds) {
      const after: LicenceRecord = { ...licence, version: added.get(licence.id)! };
      recordEvent(this.em, new LicenceAdded({ ...eventState(after, plan.type), ...context }));
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: [],
        // A validation's ids are thrown away with its writes: only the run names the licence.
        entityId: validateOnly ? undefined : licence.id,
        change: { entity: LICENCE_ENTITY, id: licence.id, before: null, after: recordedState(after) },
      });
    }
    for (const { plan, licence } of edits) {
      if (!plan.changed) {
        outcomes.push({ rowNumber: plan.row.rowNumber, status: 'succeeded', errors: [], warnings: [{ code: 'LICENCES.IMPORT_UNCHANGED' }], entityId: licence.id });
        continue;
      }
      const after: LicenceRecord = { ...licence, version: edited.get(licence.id)! };
      recordEvent(this.em, new LicenceChanged({ ...eventState(after, plan.type), ...context }));
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: [],
        entityId: licence.id,
        change: { entity: LICENCE_ENTITY, id: licence.id, before: recordedState(plan.existing), after: recordedState(after) },
      });
    }
    for (const plan of deletes) {
      const licence = plan.existing;
      recordEvent(
        this.em,
        new LicenceRemoved({ licenceId: licence.id, userId: licence.userId, typeId: licence.typeId, typeCode: plan.type.code, version: removed.get(licence.id)!, ...context }),
      );
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: [],
        entityId: licence.id,
        change: { entity: LICENCE_ENTITY, id: licence.id, before: recordedState(licence), after: null },
      });
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }
}
