import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { CreditsDebited, CreditsRefunded } from '#libs/contracts/credentials/index.js';
import { conflict, DomainError, invalid, notFound } from '#libs/errors/domain-error.js';
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
    const key = checkKey(input.key);
    const amount = checkAmount(input.amount);
    const balance = await this.lockBalance(em);
    const existing = await this.byKey(em, key);
    if (existing) return this.sameOrConflict(existing, 'debit', -amount);
    if (balance < amount) throw new DomainError('CREDENTIALS.INSUFFICIENT_CREDITS', 'conflict', { needed: amount, balance });
    const credentialId = input.credentialId ?? null;
    let groupId = input.groupId ?? null;
    if (groupId === null && credentialId !== null) {
      const [row] = await this.sql<{ group_id: string }>(em, `select group_id from credentials where id = ?`, [credentialId]);
      groupId = row?.group_id ?? null;
    }
    const entry = await this.insert(em, {
      key,
      kind: 'debit',
      amount: -amount,
      balanceAfter: balance - amount,
      reason: input.reason,
      credentialId,
      groupId,
      importId: input.importId ?? null,
      rowNumber: input.rowNumber ?? null,
      refundOf: null,
      by: input.by ?? null,
    });
    recordEvent(
      em,
      new CreditsDebited({
        entryId: entry.id,
        amount,
        reason: entry.reason,
        credentialId,
        groupId,
        importId: entry.importId,
        balanceAfter: entry.balanceAfter,
        debitedAt: entry.createdAt,
      }),
    );
    return entry;
  }

  /**
   * Gives a debit back in full (an undone renewal). A debit is refunded at most once: a second refund of
   * it, whatever its key, returns the first.
   */
  async refund(em: EntityManager, input: RefundInput): Promise<CreditEntry> {
    const key = checkKey(input.key);
    const balance = await this.lockBalance(em);
    const existing = await this.byKey(em, key);
    if (existing) {
      if (existing.kind === 'refund' && existing.refundOf === input.refundOf) return existing;
      throw conflict('CREDENTIALS.CREDIT_KEY_REUSED', { key, kind: existing.kind, amount: existing.amount });
    }
    const [debitRow] = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where id = ?`, [isUuid(input.refundOf) ? input.refundOf : NIL]);
    if (!debitRow) throw notFound('CREDENTIALS.CREDIT_ENTRY_NOT_FOUND');
    const debit = toEntry(debitRow);
    if (debit.kind !== 'debit') throw invalid('CREDENTIALS.CREDIT_REFUND_INVALID');
    const [already] = await this.sql<EntryRow>(em, `select ${ENTRY_COLUMNS} from credit_ledger where refund_of = ?`, [debit.id]);
    if (already) return toEntry(already);
    const amount = -debit.amount;
    const entry = await this.insert(em, {
      key,
      kind: 'refund',
      amount,
      balanceAfter: balance + amount,
      reason: input.reason ?? `refund of ${debit.reason}`,
      credentialId: debit.credentialId,
      groupId: debit.groupId,
      importId: input.importId ?? debit.importId,
      rowNumber: input.rowNumber ?? debit.rowNumber,
      refundOf: debit.id,
      by: input.by ?? null,
    });
    recordEvent(
      em,
      new CreditsRefunded({
        entryId: entry.id,
        amount,
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
    return entry;
  }

  /** Adds credits (platform admins). */
  async topUp(em: EntityManager, input: TopUpInput): Promise<CreditEntry> {
    const key = checkKey(input.key);
    const amount = checkAmount(input.amount);
    const balance = await this.lockBalance(em);
    const existing = await this.byKey(em, key);
    if (existing) return this.sameOrConflict(existing, 'top-up', amount);
    return this.insert(em, {
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
    });
  }

  /** The entry with this key, if any (what a retried chunk looks at). */
  async findByKey(em: EntityManager, key: string): Promise<CreditEntry | undefined> {
    return this.byKey(em, key);
  }

  /** The history, newest first. */
  async entries(em: EntityManager, page: { limit: number; offset: number; kind?: CreditEntryKind; importId?: string }): Promise<{ items: CreditEntry[]; total: number }> {
    const where = ['organisation = ?'];
    const params: unknown[] = [ORGANISATION];
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

  private async insert(
    em: EntityManager,
    entry: Omit<CreditEntry, 'id' | 'createdAt' | 'createdBy'> & { by: string | null },
  ): Promise<CreditEntry> {
    await this.sql(em, `update credit_balance set balance = ?, updated_at = now() where organisation = ?`, [entry.balanceAfter, ORGANISATION]);
    const [row] = await this.sql<EntryRow>(
      em,
      `insert into credit_ledger (id, organisation, idempotency_key, kind, amount, balance_after, reason, credential_id, group_id, import_id, row_number, refund_of, created_by, created_at)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, clock_timestamp())
       returning ${ENTRY_COLUMNS}`,
      [ORGANISATION, entry.key, entry.kind, entry.amount, entry.balanceAfter, entry.reason, entry.credentialId, entry.groupId, entry.importId, entry.rowNumber, entry.refundOf, entry.by],
    );
    return toEntry(row);
  }

  private sql<T>(em: EntityManager, text: string, params: unknown[]): Promise<T[]> {
    return (em as unknown as { execute: (sql: string, params: unknown[]) => Promise<T[]> }).execute(text, params);
  }
}

const NIL = '00000000-0000-0000-0000-000000000000';

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
