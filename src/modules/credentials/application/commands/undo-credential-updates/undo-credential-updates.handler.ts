import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CredentialUpdated } from '#libs/contracts/credentials/index.js';
import type { RowOutcome, UndoRow } from '#libs/contracts/imports/index.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import type { CorrectableField, Credential } from '../../../domain/credential.js';
import { CORRECTED, CREDENTIAL_ENTITY, DEBIT_ENTRY, decideCredentialUndo, VERSION, withRecordedValues, type CredentialValues } from '../../../domain/credential-update-rules.js';
import { CredentialStore } from '../../../infrastructure/credential-store.js';
import { CredentialScope } from '../../credential-scope.js';
import { CreditLedger } from '../../credit-ledger.js';

/** Reverts a chunk of a credential-update import's rows (module-internal: the import type sends it). */
export class UndoCredentialUpdatesCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    /** The undo's own import id (the refunds and events name it). */
    readonly importId: string,
    readonly rows: UndoRow[],
  ) {
    super();
  }
}

/**
 * Undo of credential updates, one chunk: a credential untouched since the import (its version is the one
 * the update left) gets its recorded `before` values back, in one UPDATE; a renewal's credit is refunded,
 * once per debit (the refund is keyed on the debit entry). Changed since: skipped, nothing refunded.
 */
@CommandHandler(UndoCredentialUpdatesCommand)
export class UndoCredentialUpdatesHandler implements ICommandHandler<UndoCredentialUpdatesCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly ledger: CreditLedger,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, importId, rows }: UndoCredentialUpdatesCommand): Promise<RowOutcome[]> {
    const ids = [...new Set(rows.filter((row) => row.change.entity === CREDENTIAL_ENTITY).map((row) => row.change.id))];
    // Locked (in id order) until the chunk commits: a change meanwhile waits for the undo, or is seen by it.
    const loaded = await this.store.credentials(this.em, ids, true);
    const byId = new Map([...loaded].map(([id, { credential }]) => [id, { credential, groupId: credential.snapshot.groupId, version: credential.snapshot.version }]));
    const groups = await this.scope.manageableGroupIds(this.em, principal);
    const manageable = groups === 'all' ? 'all' : new Set(groups);
    const outcomes: RowOutcome[] = [];
    const saves: { credential: Credential; expectedVersion: number }[] = [];
    let reverted: { row: UndoRow; before: CredentialValues; after: CredentialValues; groupId: string; version: number }[] = [];
    for (const row of rows) {
      const { change, rowNumber } = row;
      const entityId = change.id;
      if (change.entity !== CREDENTIAL_ENTITY) {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'credential-update' } }], warnings: [], entityId });
        continue;
      }
      const now = byId.get(change.id);
      const decision = decideCredentialUndo(change.after, now);
      if (decision.kind === 'fail') {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: decision.code, params: { type: 'credential-update' } }], warnings: [], entityId });
        continue;
      }
      if (decision.kind === 'skip') {
        outcomes.push({ rowNumber, status: 'skipped', errors: [], warnings: [{ code: decision.code }], entityId });
        continue;
      }
      if (manageable !== 'all' && !manageable.has(now!.groupId)) {
        outcomes.push({ rowNumber, status: 'failed', errors: [{ code: 'COMMON.FORBIDDEN', params: { permission: Permissions.ScopeAll } }], warnings: [], entityId });
        continue;
      }
      const before = fieldsOf(change.before ?? {});
      const after = fieldsOf(change.after ?? {});
      const corrected = change.before?.[CORRECTED];
      const { credential } = now!;
      credential.restore(withRecordedValues(credential.fields, change.before ?? {}), Array.isArray(corrected) ? (corrected.filter((field) => field === 'recipientName') as CorrectableField[]) : []);
      saves.push({ credential, expectedVersion: now!.version });
      reverted.push({ row, before: after, after: before, groupId: now!.groupId, version: now!.version });
    }
    // None can be stale (the rows are locked since they were read); should one be, it is skipped and keeps its credit spent.
    const stale = new Set(await this.store.saveCredentials(this.em, saves));
    for (const { row } of reverted.filter(({ row }) => stale.has(row.change.id))) {
      outcomes.push({ rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.UNDO_CHANGED_SINCE' }], entityId: row.change.id });
    }
    reverted = reverted.filter(({ row }) => !stale.has(row.change.id));

    // The renewals' credits back, once per debit (the ledger refunds a debit at most once, whatever the key); CreditsRefunded is the ledger's event.
    const refunds = new Map(
      (
        await this.ledger.refundMany(
          this.em,
          reverted.flatMap(({ row }) => {
            const debitId = row.change.after?.[DEBIT_ENTRY];
            return typeof debitId === 'string' ? [{ key: `refund:${debitId}`, refundOf: debitId, reason: 'renewal undone', importId, rowNumber: row.rowNumber, by: principal.userId }] : [];
          }),
        )
      ).map((entry) => [entry.refundOf!, entry]),
    );
    const at = new Date().toISOString();
    for (const { row, before, after, groupId, version } of reverted) {
      const { change, rowNumber } = row;
      const changes = Object.fromEntries(Object.keys(after).map((key) => [key, { before: before[key], after: after[key] }]));
      recordEvent(this.em, new CredentialUpdated({ credentialId: change.id, groupId, changes, changedBy: principal.userId, importId, rowNumber, changedAt: at }));
      const debitId = change.after?.[DEBIT_ENTRY];
      const refund = typeof debitId === 'string' ? refunds.get(debitId) : undefined;
      outcomes.push({
        rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: [],
        entityId: change.id,
        change: {
          entity: CREDENTIAL_ENTITY,
          id: change.id,
          before: { ...before, [VERSION]: version, [CORRECTED]: change.after?.[CORRECTED] ?? [] },
          after: { ...after, [VERSION]: version + 1, [CORRECTED]: change.before?.[CORRECTED] ?? [], ...(refund ? { $refundEntryId: refund.id } : {}) },
        },
      });
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }
}

/** The credential fields of a recorded change (without the `$` bookkeeping keys). */
function fieldsOf(values: Record<string, unknown>): CredentialValues {
  const fields: CredentialValues = {};
  for (const [key, value] of Object.entries(values)) if (!key.startsWith('$')) fields[key] = value === null || value === undefined ? null : typeof value === 'number' ? value : String(value);
  return fields;
}
