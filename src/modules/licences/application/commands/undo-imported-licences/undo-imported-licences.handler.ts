import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RowOutcome, UndoRow } from '#libs/contracts/imports/index.js';
import { LicenceAdded, LicenceChanged, LicenceRemoved, type LicenceEventContext } from '#libs/contracts/licences/index.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { decideLicenceUndo, LICENCE_ENTITY, type LicenceRecord } from '../../../domain/licence-import-rules.js';
import { eventState, LicenceStore } from '../../../infrastructure/licence-store.js';
import { LicenceAccess } from '../../licence-access.js';

/** Reverts a chunk of a licences import's rows (module-internal: the licences import type sends it). */
export class UndoImportedLicencesCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly rows: UndoRow[],
  ) {
    super();
  }
}

/**
 * Undo of a licences import, one chunk: the licences as they are now (locked), the rules per row
 * (decideLicenceUndo: only licences untouched since), then one DELETE of added licences, one UPDATE of
 * edited ones back to their recorded values, one INSERT of deleted ones (same id and values). A licence
 * whose holder left the admin's scope is not touched (the row fails). Events as for the import.
 */
@CommandHandler(UndoImportedLicencesCommand)
export class UndoImportedLicencesHandler implements ICommandHandler<UndoImportedLicencesCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, importId, rows }: UndoImportedLicencesCommand): Promise<RowOutcome[]> {
    const ids = [...new Set(rows.map((row) => row.change.id))];
    const current = new Map((await LicenceStore.byIds(this.em, ids)).map((licence) => [licence.id, licence]));
    const holderOf = (row: UndoRow) => String((row.change.after ?? row.change.before ?? {}).userId ?? '');
    const inScope = await this.access.inScope(principal, rows.map(holderOf).filter(Boolean));
    const restoring = rows.filter((row) => row.change.after === null && row.change.before && !current.has(row.change.id));
    // Identities taken since, matched in SQL (lower() on both sides, as the unique index): by the restoring row.
    const taken = new Set(
      (
        await LicenceStore.byIdentities(
          this.em,
          restoring.map((row) => ({ userId: String(row.change.before!.userId), typeId: String(row.change.before!.typeId), number: (row.change.before!.number as string | null) ?? null })),
        )
      ).licences.map((licence) => restoring[licence.asked]),
    );

    const outcomes: RowOutcome[] = [];
    const removals: { row: UndoRow; licence: LicenceRecord & { typeCode: string } }[] = [];
    const reverts: { row: UndoRow; licence: Omit<LicenceRecord, 'version'> }[] = [];
    const restores: { row: UndoRow; licence: Omit<LicenceRecord, 'version'> }[] = [];
    for (const row of rows) {
      const { rowNumber, change } = row;
      const entityId = change.id;
      if (!inScope.has(holderOf(row))) {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: 'COMMON.FORBIDDEN', params: { permission: Permissions.ScopeAll } }], warnings: [], entityId });
        continue;
      }
      const now = current.get(change.id);
      const before = change.before;
      const identityTaken = before ? taken.has(row) : false;
      const decision = decideLicenceUndo(change, now, identityTaken);
      switch (decision.kind) {
        case 'fail':
          outcomes.push({ rowNumber, status: 'failed', errors: [{ code: decision.code, params: decision.params }], warnings: [], entityId });
          continue;
        case 'skip':
          outcomes.push({ rowNumber, status: 'skipped', errors: [], warnings: [{ code: decision.code, params: decision.params }], entityId });
          continue;
        case 'remove':
          removals.push({ row, licence: now! });
          break;
        case 'revert':
          reverts.push({ row, licence: { id: decision.id, ...decision.to } });
          break;
        case 'restore':
          restores.push({ row, licence: { id: decision.id, ...decision.to } });
          break;
      }
    }

    const removed = await LicenceStore.remove(this.em, removals.map((r) => r.licence.id));
    const reverted = await LicenceStore.update(this.em, reverts.map((r) => r.licence));
    const restored = await LicenceStore.insert(this.em, restores.map((r) => r.licence));
    const types = new Map((await LicenceStore.typesByIds(this.em, [...new Set([...reverts, ...restores].map((r) => r.licence.typeId))])).map((t) => [t.id, t]));
    const context: LicenceEventContext = { changedBy: principal.userId, source: 'undo', importId };
    const succeeded = (row: UndoRow): RowOutcome => ({
      rowNumber: row.rowNumber,
      status: 'succeeded',
      errors: [],
      warnings: [],
      entityId: row.change.id,
      change: { entity: LICENCE_ENTITY, id: row.change.id, before: row.change.after, after: row.change.before },
    });
    for (const { row, licence } of removals) {
      recordEvent(this.em, new LicenceRemoved({ licenceId: licence.id, userId: licence.userId, typeId: licence.typeId, typeCode: licence.typeCode, version: removed.get(licence.id)!, ...context }));
      outcomes.push(succeeded(row));
    }
    for (const { row, licence } of reverts) {
      recordEvent(this.em, new LicenceChanged({ ...eventState({ ...licence, version: reverted.get(licence.id)! }, types.get(licence.typeId)!), ...context }));
      outcomes.push(succeeded(row));
    }
    for (const { row, licence } of restores) {
      recordEvent(this.em, new LicenceAdded({ ...eventState({ ...licence, version: restored.get(licence.id)! }, types.get(licence.typeId)!), ...context }));
      outcomes.push(succeeded(row));
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }
}
