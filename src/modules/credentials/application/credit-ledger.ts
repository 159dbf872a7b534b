import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { CreditsDebited, CreditsRefunded } from '#libs/contracts/credentials/index.js';
import { conflict, DomainError, invalid, notFound } from '#libs/errors/domain-error.js';
import { pgArray } from '#libs/database/sql.js';
import { recordEvent } from '#libs/outbox/outbox.js';

/** One organisation per installation: the balance row every entry belongs to. */
export const ORGANISATION = 'default';
export const MAX_CREDIT_AMOUNT = 1_000_000;

export type CreditEntryKind = 'top-up' | 'debit' | 'refund';

export interface CreditEntry {
  id: string;
  key: string;
  kind: CreditEntryKind;
  /** Signed: a top-up or refund adds (> 0), a debit takes (< 0). The entries sum to the balance. */
  amount: number;
  balanceAfter: number;
  reason: string;
  credentialId: string | null;
  groupId: string | null;
  importId: string | null;
  rowNumber: number | null;
  refundOf: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface DebitInput {
  /** Idempotency key: a second debit with it returns the first entry and changes nothing (e.g. `renewal:<importId>:<row>`). */
  key: string;
  amount: number;
  /** What paid, e.g. `renewal`. */
  reason: string;
  credentialId?: string | null;
  /** The credential's group; looked up from the credential when absent. */
  groupId?: string | null;
  importId?: string | null;
  rowNumber?: number | null;
  /** The user who caused it. */
  by?: string | null;
}

export interface RefundInput {
  key: string;
  /** The debit entry to give back, in full. */
  refundOf: string;
  reason?: string;
  importId?: string | null;
  rowNumber?: number | null;
  by?: string | null;
}

export interface TopUpInput {
  key: string;
  amount: number;
  reason?: string;
  by?: string | null;
}

interface EntryRow {
  id: string;
  idempotency_key: string;
  kind: CreditEntryKind;
  amount: number;
  balance_after: number;
  reason: string;
  credential_id: string | null;
  group_id: string | null;
  import_id: string | null;
  row_number: number | null;
  refund_of: string | null;
  created_by: string | null;
  created_at: Date | string;
}

const ENTRY_COLUMNS = `id, idempotency_key, kind, amount, balance_after, reason, credential_id, group_id, import_id, row_number, refund_of, created_by, created_at`;

function toEntry(row: EntryRow): CreditEntry {
  return {
    id: row.id,
    key: row.idempotency_key,
    kind: row.kind,
    amount: Number(row.amount),
    balanceAfter: Number(row.balance_after),
    reason: row.reason,
    credentialId: row.credential_id,
    groupId: row.group_id,
    importId: row.import_id,
    rowNumber: row.row_number === null ? null : Number(row.row_number),
    refundOf: row.refund_of,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length < 1 || key.length > 200) throw invalid('CREDENTIALS.CREDIT_KEY_INVALID');
  return key;
}

function checkAmount(amount: unknown): number {
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > MAX_CREDIT_AMOUNT) {
    throw invalid('CREDENTIALS.CREDIT_AMOUNT_INVALID', { amount: String(amount), max: MAX_CREDIT_AMOUNT });
  }
  return amount;
}

/**
 * The credit ledger: the balance of the (single) organisation and its entries. Every entry is idempotent on
 * its key: a second call with a key already used returns the first entry and changes nothing (a key used
 * for a different entry is a conflict). Every call works in the caller's transaction (`em` must be inside
 * one: em.transactional or an import chunk's unit of work) and first takes the balance row for update,
 * so concurrent entries are serialised and a retried key is seen once the first commits. Debits and
 * refunds record CreditsDebited / CreditsRefunded in the outbox of that transaction (flushed with it).
 */
@Injectable()
export class CreditLedger {
  async balance(em: EntityManager): Promise<number> {
    const [row] = await this.sql<{ balance: number }>(em, `select balance from credit_balance where organisation = ?`, [ORGANISATION]);
    return Number(row?.balance ?? 0);
  }

  /** Takes one or more credits; refused with CREDENTIALS.INSUFFICIENT_CREDITS when the balance is short. */
  async debit(em: EntityManager, input: DebitInput): Promise<CreditEntry> {
    const [entry] = await this.debitMany(em, [input]);
    return entry;
  }

  /**
   * Several debits at once (an import chunk's renewals): one balance lock, one lookup of the keys, one
   * insert. All or nothing: when the new ones together exceed the balance, none is made
   * (CREDENTIALS.INSUFFICIENT_CREDITS with the total needed). Entries come back in the order asked; a key
   * already used (or repeated in the batch) answers its first entry.
   */
  async debitMany(em: EntityManager, inputs: DebitInput[]): Promise<CreditEntry[]> {
    const checked = inputs.map((input) => ({ ...input, key: checkKey(input.key), amount: checkAmount(input.amount) }));
    if (checked.length === 0) return [];
    const balance = await this.lockBalance(em);
    const existing = await this.byKeys(em, checked.map((input) => input.key));
    const fresh = new Map<string, (typeof checked)[number]>();
    for (const input of checked) {
      const found = existing.get(input.key);
      if (found) this.sameOrConflict(found, 'debit', -input.amount);
      else if (fresh.has(input.key)) {
        if (fresh.get(input.key)!.amount !== input.amount) throw conflict('CREDENTIALS.CREDIT_KEY_REUSED', { key: input.key, kind: 'debit', amount: -fresh.get(input.key)!.amount });
      } else fresh.set(input.key, input);
    }
    const needed = [...fresh.values()].reduce((sum, input) => sum + input.amount, 0);
    if (fresh.size > 0) {
      if (balance < needed) throw new DomainError('CREDENTIALS.INSUFFICIENT_CREDITS', 'conflict', { needed, balance });
      const missingGroups = [...new Set([...fresh.values()].filter((input) => !input.groupId && input.credentialId).map((input) => input.credentialId!))];
      const groups = new Map<string, string>();
      if (missingGroups.length > 0) {
        const rows = await this.sql<{ id: string; group_id: string }>(em, `select id, group_id from credentials where id = any(?::uuid[])`, [pgArray(missingGroups.filter(isUuid))]);
        for (const row of rows) groups.set(row.id, row.group_id);
      }
      let running = balance;
      const entries = await this.insertMany(
        em,
        [...fresh.values()].map((input) => ({
          key: input.key,
          kind: 'debit' as const,
          amount: -input.amount,
          balanceAfter: (running -= input.amount),
          reason: input.reason,
          credentialId: input.credentialId ?? null,
          groupId: input.groupId ?? (input.credentialId ? (groups.get(input.credentialId) ?? null) : null),
          importId: input.importId ?? null,
          rowNumber: input.rowNumber ?? null,
          refundOf: null,
          by: input.by ?? null,
        })),
        running,
      );
      for (const entry of entries) {
        existing.set(entry.key, entry);
        recordEvent(
          em,
          new CreditsDebited({
            entryId: entry.id,
            amount: -entry.amount,
            reason: entry.reason,
            credentialId: entry.credentialId,
            groupId: entry.groupId,
            importId: entry.importId,
            balanceAfter: entry.balanceAfter,
            debitedAt: entry.createdAt,
          }),
        );
      }
    }
    return checked.map((input) => existing.get(input.key)!);
  }

  /**
   * Gives a debit back in full (an undone renewal). A debit is refunded at most once: a second refund of
   * it, whatever its key, returns the first.
   */
  async refund(em: EntityManager, input: RefundInput): Promise<CreditEntry> {
    const [entry] = await this.refundMany(em, [input]);
    return entry;
  }

  /** Several refunds at once (an undo chunk): one lock, one lookup, one insert; entries in the order asked. */
  async refundMany(em: EntityManager, inputs: RefundInput[]): Promise<CreditEntry[]> {
    const checked = inputs.map((input) => ({ ...input, key: checkKey(input.key) }));
    if (checked.length === 0) return [];
    const balance = await this.lockBalance(em);
    const byKey = await this.byKeys(em, checked.map((input) => input.key));
    for (const input of checked) {
      const found = byKey.get(input.key);
      if (found && !(found.kind === 'refund' && found.refundOf === input.refundOf)) {
        throw conflict('CREDENTIALS.CREDIT_KEY_REUSED', { key: input.key, kind: found.kind, amount: found.amount });
      }
    }
    const debitIds = [...new Set(checked.map((input) => input.refundOf))];
    const debitRows = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where id = any(?::uuid[])`, [pgArray(debitIds.filter(isUuid))]);
    const debits = new Map(debitRows.map((row) => [row.id, toEntry(row)]));
    const refundRows = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where refund_of = any(?::uuid[])`, [pgArray(debitIds.filter(isUuid))]);
    const refunds = new Map(refundRows.map((row) => [row.refund_of!, toEntry(row)]));
    const fresh: (typeof checked)[number][] = [];
    for (const input of checked) {
      if (byKey.has(input.key) || refunds.has(input.refundOf) || fresh.some((other) => other.refundOf === input.refundOf)) continue;
      const debit = debits.get(input.refundOf);
      if (!debit) throw notFound('CREDENTIALS.CREDIT_ENTRY_NOT_FOUND');
      if (debit.kind !== 'debit') throw invalid('CREDENTIALS.CREDIT_REFUND_INVALID');
      fresh.push(input);
    }
    let running = balance;
    const entries = await this.insertMany(
      em,
      fresh.map((input) => {
        const debit = debits.get(input.refundOf)!;
        return {
          key: input.key,
          kind: 'refund' as const,
          amount: -debit.amount,
          balanceAfter: (running += -debit.amount),
          reason: input.reason ?? `refund of ${debit.reason}`,
          credentialId: debit.credentialId,
          groupId: debit.groupId,
          importId: input.importId ?? debit.importId,
          rowNumber: input.rowNumber ?? debit.rowNumber,
          refundOf: debit.id,
          by: input.by ?? null,
        };
      }),
      running,
    );
    for (const entry of entries) {
      const debit = debits.get(entry.refundOf!)!;
      refunds.set(debit.id, entry);
      recordEvent(
        em,
        new CreditsRefunded({
          entryId: entry.id,
          amount: entry.amount,
          refundOf: debit.id,
          credentialId: debit.credentialId,
          importId: entry.importId,
          balanceAfter: entry.balanceAfter,
          refundedAt: entry.createdAt,
          groupId: debit.groupId,
          reasonOfDebit: debit.reason,
          debitedAt: debit.createdAt,
        }),
      );
    }
    return checked.map((input) => refunds.get(input.refundOf)!);
  }

  /** Adds credits (platform admins). */
  async topUp(em: EntityManager, input: TopUpInput): Promise<CreditEntry> {
    const key = checkKey(input.key);
    const amount = checkAmount(input.amount);
    const balance = await this.lockBalance(em);
    const existing = await this.byKey(em, key);
    if (existing) return this.sameOrConflict(existing, 'top-up', amount);
    const [entry] = await this.insertMany(em, [{
      key,
      kind: 'top-up',
      amount,
      balanceAfter: balance + amount,
      reason: input.reason ?? 'top-up',
      credentialId: null,
      groupId: null,
      importId: null,
      rowNumber: null,
      refundOf: null,
      by: input.by ?? null,
    }], balance + amount);
    return entry;
  }

  /** The entry with this key, if any (what a retried chunk looks at). */
  async findByKey(em: EntityManager, key: string): Promise<CreditEntry | undefined> {
    return this.byKey(em, key);
  }

  /** The history, newest first. */
  /** `groupIds`: only entries of these credential groups (a caller who does not manage every group: top-ups, which have none, are left out). */
  async entries(
    em: EntityManager,
    page: { limit: number; offset: number; kind?: CreditEntryKind; importId?: string; groupIds?: string[] },
  ): Promise<{ items: CreditEntry[]; total: number }> {
    const where = ['organisation = ?'];
    const params: unknown[] = [ORGANISATION];
    if (page.groupIds) {
      where.push('group_id = any(?::uuid[])');
      params.push(pgArray(page.groupIds));
    }
    if (page.kind) {
      where.push('kind = ?');
      params.push(page.kind);
    }
    if (page.importId) {
      where.push('import_id = ?');
      params.push(isUuid(page.importId) ? page.importId : NIL);
    }
    const rows = await this.sql<EntryRow & { total: string }>(
      em,
      `select ${ENTRY_COLUMNS}, count(*) over () as total from credit_ledger where ${where.join(' and ')}
        order by created_at desc, id desc limit ? offset ?`,
      [...params, page.limit, page.offset],
    );
    let total = rows.length > 0 ? Number(rows[0].total) : 0;
    if (rows.length === 0 && page.offset > 0) {
      const [count] = await this.sql<{ total: string }>(em, `select count(*) as total from credit_ledger where ${where.join(' and ')}`, params);
      total = Number(count.total);
    }
    return { items: rows.map(toEntry), total };
  }

  private sameOrConflict(existing: CreditEntry, kind: CreditEntryKind, amount: number): CreditEntry {
    if (existing.kind === kind && existing.amount === amount) return existing;
    throw conflict('CREDENTIALS.CREDIT_KEY_REUSED', { key: existing.key, kind: existing.kind, amount: existing.amount });
  }

  private async lockBalance(em: EntityManager): Promise<number> {
    const [row] = await this.sql<{ balance: number }>(em, `select balance from credit_balance where organisation = ? for update`, [ORGANISATION]);
    if (row) return Number(row.balance);
    // The migration seeds the row; a database that lost it gets it back at zero.
    await this.sql(em, `insert into credit_balance (organisation, balance) values (?, 0) on conflict do nothing`, [ORGANISATION]);
    return this.lockBalance(em);
  }

  private async byKey(em: EntityManager, key: string): Promise<CreditEntry | undefined> {
    const [row] = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where idempotency_key = ?`, [key]);
    return row ? toEntry(row) : undefined;
  }

  private async byKeys(em: EntityManager, keys: string[]): Promise<Map<string, CreditEntry>> {
    const rows = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where idempotency_key = any(?::text[])`, [pgArray([...new Set(keys)])]);
    return new Map(rows.map((row) => [row.idempotency_key, toEntry(row)]));
  }

  /** Inserts entries (in order, each with its running balance) and sets the balance to `balanceAfter`. */
  private async insertMany(em: EntityManager, entries: (Omit<CreditEntry, 'id' | 'createdAt' | 'createdBy'> & { by: string | null })[], balanceAfter: number): Promise<CreditEntry[]> {
    if (entries.length === 0) return [];
    await this.sql(em, `update credit_balance set balance = ?, updated_at = now() where organisation = ?`, [balanceAfter, ORGANISATION]);
    const rows = await this.sql<EntryRow>(
      em,
      `insert into credit_ledger (id, organisation, idempotency_key, kind, amount, balance_after, reason, credential_id, group_id, import_id, row_number, refund_of, created_by, created_at)
       select gen_random_uuid(), ?, e.key, e.kind, e.amount, e.balance_after, e.reason, e.credential_id, e.group_id, e.import_id, e.row_number, e.refund_of, e.created_by, clock_timestamp()
         from jsonb_to_recordset(?::jsonb) as e(ord integer, key text, kind text, amount integer, balance_after integer, reason text, credential_id uuid, group_id uuid,
              import_id uuid, row_number integer, refund_of uuid, created_by uuid)
        order by e.ord
       returning ${ENTRY_COLUMNS}`,
      [
        ORGANISATION,
        JSON.stringify(
          entries.map((entry, ord) => ({
            ord,
            key: entry.key,
            kind: entry.kind,
            amount: entry.amount,
            balance_after: entry.balanceAfter,
            reason: entry.reason,
            credential_id: entry.credentialId,
            group_id: entry.groupId,
            import_id: entry.importId,
            row_number: entry.rowNumber,
            refund_of: entry.refundOf,
            created_by: entry.by,
          })),
        ),
      ],
    );
    const byKey = new Map(rows.map((row) => [row.idempotency_key, toEntry(row)]));
    return entries.map((entry) => byKey.get(entry.key)!);
  }

  private sql<T>(em: EntityManager, text: string, params: unknown[]): Promise<T[]> {
    return (em as unknown as { execute: (sql: string, params: unknown[]) => Promise<T[]> }).execute(text, params);
  }
}

const NIL = '00000000-0000-0000-0000-000000000000';

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
