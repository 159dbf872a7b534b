import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CredentialRenewed, CredentialUpdated } from '#libs/contracts/credentials/index.js';
import type { ImportColumn, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import {
  changedSinceValidation,
  checkCredentialUpdateRow,
  CORRECTED,
  CREDENTIAL_ENTITY,
  DEBIT_ENTRY,
  isCredentialId,
  matchKeyOf,
  sameCredentialTwice,
  VERSION,
  type CredentialLookups,
  type CredentialNow,
  type PlannedCredentialUpdate,
  type UpdateSettings,
  type ValidatedRow,
} from '../../../domain/credential-update-rules.js';
import { Credential } from '../../../domain/credential.js';
import { CREDENTIAL_COLUMNS, CredentialStore, toCredential } from '../../../infrastructure/credential-store.js';
import { CredentialScope } from '../../credential-scope.js';
import { CreditLedger, type CreditEntry, type DebitInput } from '../../credit-ledger.js';

/**
 * A chunk of credential-update rows, as one command (module-internal: the credential-update import type
 * sends it). The rules run per row in memory; one lookup finds the chunk's credentials, one UPDATE
 * writes them, and the renewals are paid in three ledger statements.
 */
export class ImportCredentialUpdatesChunkCommand extends Command<RowOutcome[]> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly rows: RawImportRow[],
    readonly columns: ImportColumn[],
    readonly settings: UpdateSettings,
    readonly validateOnly: boolean,
    /** The run: the acknowledged warning codes, and what validation recorded per row number. */
    readonly confirmed: { acknowledged: readonly string[]; validated?: ReadonlyMap<number, ValidatedRow> } = { acknowledged: [] },
  ) {
    super();
  }
}

/**
 * Updates the credentials of one chunk: one lookup, the row rules (the aggregate's plan), each credential updated
 * by the aggregate and the chunk saved in one statement, then the renewals paid in one ledger batch (the balance
 * row is locked last: concurrent chunks overlap in everything before it). The validation pass writes nothing.
 */
@CommandHandler(ImportCredentialUpdatesChunkCommand)
export class ImportCredentialUpdatesChunkHandler implements ICommandHandler<ImportCredentialUpdatesChunkCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly ledger: CreditLedger,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, importId, rows, columns, settings, validateOnly, confirmed }: ImportCredentialUpdatesChunkCommand): Promise<RowOutcome[]> {
    const lookups = await this.lookup(principal, settings.groupId, rows, !validateOnly);
    const outcomes: RowOutcome[] = [];
    const plans: PlannedCredentialUpdate[] = [];
    for (const row of rows) {
      const result = checkCredentialUpdateRow(row, columns, lookups, settings);
      if ('status' in result) outcomes.push(result);
      else plans.push(result);
    }
    const twice = sameCredentialTwice(plans);
    outcomes.push(...twice.failed);
    // The run applies only what the admin confirmed: a row whose credential or plan moved since validation fails.
    const keep: PlannedCredentialUpdate[] = [];
    for (const plan of twice.keep) {
      const moved = validateOnly ? undefined : changedSinceValidation(plan, confirmed.validated?.get(plan.row.rowNumber), confirmed.acknowledged);
      if (moved) outcomes.push({ rowNumber: plan.row.rowNumber, status: 'failed', errors: [moved], warnings: plan.warnings, entityId: plan.credential.id });
      else keep.push(plan);
    }

    // Each row is the aggregate's own update (its rules again, the version moved on).
    const planned = keep.map((plan) => {
      const credential = Credential.restore(plan.credential);
      credential.update(plan.patch, settings.attributes, settings.today);
      return { plan, credential, expectedVersion: plan.credential.version };
    });
    const { stale, debits, unpaid } = validateOnly ? await this.tryOut(planned) : await this.write(importId, principal, planned);

    const done: { plan: PlannedCredentialUpdate; debit?: CreditEntry }[] = [];
    for (const { plan } of planned) {
      if (unpaid.has(plan.credential.id)) {
        outcomes.push({ rowNumber: plan.row.rowNumber, status: 'failed', errors: [{ code: 'CREDENTIALS.IMPORT_CREDITS_EXHAUSTED', column: 'expiresOn' }], warnings: plan.warnings, entityId: plan.credential.id });
        continue;
      }
      done.push({ plan, debit: plan.renewal ? debits.get(renewalDebitKey(importId, plan.row.rowNumber)) : undefined });
    }

    const now = new Date().toISOString();
    for (const { plan, debit } of done) {
      const { credential } = plan;
      if (stale.has(credential.id)) {
        outcomes.push({ rowNumber: plan.row.rowNumber, status: 'failed', errors: [{ code: 'CREDENTIALS.IMPORT_CHANGED_MEANWHILE' }], warnings: plan.warnings, entityId: credential.id });
        continue;
      }
      if (!validateOnly) {
        const changes = Object.fromEntries(Object.keys(plan.after).map((key) => [key, { before: plan.before[key], after: plan.after[key] }]));
        recordEvent(this.em, new CredentialUpdated({ credentialId: credential.id, groupId: credential.groupId, changes, changedBy: principal.userId, importId, rowNumber: plan.row.rowNumber, changedAt: now }));
        // CreditsDebited is the ledger's own event, recorded with the entry (once: a key charged before is not charged again).
        if (plan.renewal && debit) {
          recordEvent(
            this.em,
            new CredentialRenewed({
              credentialId: credential.id,
              groupId: credential.groupId,
              previousExpiresOn: credential.expiresOn!,
              expiresOn: String(plan.after.expiresOn),
              creditEntryId: debit.id,
              importId,
              rowNumber: plan.row.rowNumber,
              // The debit's own time (the ledger's clock_timestamp, also on a retried key): renewal and credit fall in one month in reports.
              renewedAt: debit.createdAt,
            }),
          );
        }
      }
      outcomes.push({
        rowNumber: plan.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: plan.warnings,
        entityId: credential.id,
        change: {
          entity: CREDENTIAL_ENTITY,
          id: credential.id,
          before: { ...plan.before, [VERSION]: credential.version, [CORRECTED]: credential.correctedFields },
          after: { ...plan.after, [VERSION]: credential.version + 1, [CORRECTED]: plan.correctedAfter, ...(debit ? { [DEBIT_ENTRY]: debit.id } : {}) },
        },
      });
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  /**
   * The validation pass writes nothing the engine would roll back anyway: the rules that decide a row run in
   * memory (the aggregate's checks mirror the table's), the credit check is import-level, and the run
   * refuses a row whose credential moved since (its version). Only a row holding what PostgreSQL itself
   * refuses to store (a NUL character, a lone surrogate) is still written, so that it fails here as in the run.
   */
  private async tryOut(planned: PlannedSave[]): Promise<WriteResult> {
    const refusable = planned.filter(({ credential }) => databaseMayRefuse(credential));
    const stale = new Set(refusable.length === 0 ? [] : await this.store.saveCredentials(this.em, refusable));
    return { stale, debits: new Map(), unpaid: new Set() };
  }

  /**
   * The run: the credentials written first, the renewals of the rows written paid last, so that the
   * organisation's balance row is locked (until the chunk commits) only from the debit on and two chunks
   * overlap in everything before it. Saves and debits share a savepoint: when the batch falls short of the
   * balance (it went down since the confirm), both are undone and the chunk goes the careful way, paying
   * the renewals one by one in row order before writing only those that were paid.
   */
  private async write(importId: string, principal: Principal, planned: PlannedSave[]): Promise<WriteResult> {
    const debitOf = ({ plan }: PlannedSave): DebitInput => ({
      key: renewalDebitKey(importId, plan.row.rowNumber),
      amount: 1,
      reason: 'renewal',
      credentialId: plan.credential.id,
      groupId: plan.credential.groupId,
      importId,
      rowNumber: plan.row.rowNumber,
      by: principal.userId,
    });
    const renewals = planned.filter(({ plan }) => plan.renewal);
    if (renewals.length === 0) return { stale: new Set(await this.store.saveCredentials(this.em, planned)), debits: new Map(), unpaid: new Set() };
    let stale = new Set<string>();
    try {
      return await this.em.transactional(async (em) => {
        stale = new Set(await this.store.saveCredentials(em, planned));
        const paying = renewals.filter(({ plan }) => !stale.has(plan.credential.id));
        const entries = await this.ledger.debitMany(em, paying.map(debitOf));
        return { stale, debits: new Map(entries.map((entry) => [entry.key, entry])), unpaid: new Set<string>() };
      });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === INSUFFICIENT_CREDITS)) throw error;
    }
    // The rows stay locked since the lookup: those found stale above are stale still, and are not paid for.
    const paying = renewals.filter(({ plan }) => !stale.has(plan.credential.id));
    const debits = await this.pay(paying.map(debitOf));
    const unpaid = new Set(paying.filter((save) => !debits.has(debitOf(save).key)).map(({ plan }) => plan.credential.id));
    const saving = planned.filter(({ plan }) => !unpaid.has(plan.credential.id));
    return { stale: new Set(await this.store.saveCredentials(this.em, saving)), debits, unpaid };
  }

  /**
   * The chunk's renewals paid through the ledger in one batch (one balance lock, one key lookup, one insert;
   * a key charged before answers its first entry). The batch is all or nothing against the balance: when it
   * falls short (the balance went down since the confirm), the renewals are paid one by one in row order
   * and those that no longer fit are left out (their rows fail). Entries by key.
   */
  private async pay(debits: DebitInput[]): Promise<Map<string, CreditEntry>> {
    if (debits.length === 0) return new Map();
    try {
      return new Map((await this.ledger.debitMany(this.em, debits)).map((entry) => [entry.key, entry]));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === INSUFFICIENT_CREDITS)) throw error;
    }
    const paid = new Map<string, CreditEntry>();
    for (const debit of debits) {
      try {
        paid.set(debit.key, await this.ledger.debit(this.em, debit));
      } catch (error) {
        if (!(error instanceof DomainError && error.code === INSUFFICIENT_CREDITS)) throw error;
      }
    }
    return paid;
  }

  /**
   * The chunk's credentials in one query, each through an index: by id and by email in any group (so that a
   * row of another group is named as such), by recipient id in the chosen group (the index is per group).
   * The three matches are collected as ids first: one OR of the three over the table was planned as a
   * sequential scan of every credential (87 ms per chunk of 1,000 rows against 50,000 credentials).
   * In the run they are locked (in id order) until the chunk commits.
   */
  private async lookup(principal: Principal, groupId: string, rows: RawImportRow[], lock: boolean): Promise<CredentialLookups> {
    const ids = new Set<string>();
    const recipientIds = new Set<string>();
    const emails = new Set<string>();
    for (const row of rows) {
      const key = matchKeyOf(row);
      if (key?.column === 'credentialId' && isCredentialId(key.value)) ids.add(key.value);
      else if (key?.column === 'recipientId') recipientIds.add(key.value);
      else if (key?.column === 'recipientEmail') emails.add(key.value);
    }
    const lookups: CredentialLookups = { byId: new Map(), byRecipientId: new Map(), byEmail: new Map() };
    if (ids.size + recipientIds.size + emails.size === 0) return lookups;
    // Only credentials of groups the admin may manage are looked at (and locked): the others are not theirs to learn of.
    const manageable = await this.scope.manageableGroupIds(this.em, principal);
    const found = await executeBound<Parameters<typeof toCredential>[0] & { group_name: string }>(
      this.em,
      `select ${CREDENTIAL_COLUMNS}, g.name as group_name
         from credentials c join credential_groups g on g.id = c.group_id
        where c.id = any(array(
                select x.id from credentials x where x.id = any($1::uuid[])
                union select x.id from credentials x where x.group_id = $4 and x.recipient_id = any($2::text[])
                union select x.id from credentials x where lower(x.recipient_email) = any($3::text[])))
          and ($5::uuid[] is null or c.group_id = any($5::uuid[]))
        order by c.id${lock ? ' for update of c' : ''}`,
      [[...ids], [...recipientIds], [...emails], groupId, manageable === 'all' ? null : manageable],
    );
    for (const row of found) {
      const credential: CredentialNow = { ...toCredential(row).credential.snapshot, groupName: row.group_name, groupInScope: true };
      lookups.byId.set(credential.id, credential);
      if (credential.recipientId && recipientIds.has(credential.recipientId)) add(lookups.byRecipientId, credential.recipientId, credential);
      const email = credential.recipientEmail.toLowerCase();
      if (emails.has(email)) add(lookups.byEmail, email, credential);
    }
    return lookups;
  }
}

const INSUFFICIENT_CREDITS = 'CREDENTIALS.INSUFFICIENT_CREDITS';

/** A row's credential as the aggregate updated it, with the version the write expects to find. */
interface PlannedSave {
  plan: PlannedCredentialUpdate;
  credential: Credential;
  expectedVersion: number;
}

interface WriteResult {
  /** Credentials not written: their version moved on (or they are gone). */
  stale: Set<string>;
  /** The renewals' ledger entries, by key. */
  debits: Map<string, CreditEntry>;
  /** Renewals left unpaid (the balance fell short): not written. */
  unpaid: Set<string>;
}

/** Text PostgreSQL refuses to store (in text or jsonb): a NUL character, a lone UTF-16 surrogate. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const REFUSED_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function databaseMayRefuse(credential: Credential): boolean {
  const s = credential.snapshot;
  const texts = [s.recipientName, s.recipientEmail, s.recipientId, s.grade, ...s.correctedFields, ...Object.keys(s.attributes), ...Object.values(s.attributes)];
  return texts.some((text) => typeof text === 'string' && REFUSED_TEXT.test(text));
}

/** The ledger key of a row's renewal: a retried chunk, or any later run of the same row, is never charged again. */
export function renewalDebitKey(importId: string, rowNumber: number): string {
  return `import:${importId}:row:${rowNumber}`;
}

function add(map: Map<string, CredentialNow[]>, key: string, credential: CredentialNow): void {
  const list = map.get(key);
  if (list) list.push(credential);
  else map.set(key, [credential]);
}
