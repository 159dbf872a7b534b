import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '#libs/database/bound-query.js';

const ORGANISATION = 'default';

export interface RenewalDebit {
  /** Idempotency key: `import:<importId>:row:<rowNumber>`. */
  key: string;
  credentialId: string;
  groupId: string;
  importId: string;
  rowNumber: number;
  createdBy: string;
}

export type DebitResult = { entryId: string; balanceAfter: number; charged: boolean } | 'insufficient';

export function renewalDebitKey(importId: string, rowNumber: number): string {
  return `import:${importId}:row:${rowNumber}`;
}

/**
 * The credit ledger's debit (CreditLedger.debit: same entries, same signs, same idempotency on the key, the
 * balance row locked) for a whole chunk at once. One credit per renewal, in a handful of statements: the entries that exist already (a key charged
 * before is never charged again: `charged: false`), the balance locked, the new entries and the balance
 * written. Renewals beyond the balance are 'insufficient' (in the order given).
 */
export async function debitRenewals(em: EntityManager, debits: RenewalDebit[]): Promise<Map<string, DebitResult>> {
  const results = new Map<string, DebitResult>();
  if (debits.length === 0) return results;
  const existing = await executeBound<{ id: string; idempotency_key: string; balance_after: number }>(
    em,
    `select id, idempotency_key, balance_after from credit_ledger where idempotency_key = any($1::text[])`,
    [debits.map((d) => d.key)],
  );
  for (const entry of existing) results.set(entry.idempotency_key, { entryId: entry.id, balanceAfter: Number(entry.balance_after), charged: false });
  const fresh = debits.filter((d) => !results.has(d.key));
  if (fresh.length === 0) return results;
  const [locked] = await em.execute<{ balance: number }[]>(`select balance from credit_balance where organisation = ? for update`, [ORGANISATION]);
  const balance = Number(locked?.balance ?? 0);
  const paid = fresh.slice(0, Math.max(0, balance));
  for (const debit of fresh.slice(paid.length)) results.set(debit.key, 'insufficient');
  if (paid.length === 0) return results;
  const ids = paid.map(() => randomUUID());
  await executeBound(
    em,
    `insert into credit_ledger (id, organisation, idempotency_key, kind, amount, balance_after, reason, credential_id, group_id, import_id, row_number, created_by, created_at)
     select e.id, $1, e.key, 'debit', -1, e.balance_after, 'renewal', e.credential_id, e.group_id, e.import_id, e.row_number, e.created_by, clock_timestamp()
       from unnest($2::uuid[], $3::text[], $4::int[], $5::uuid[], $6::uuid[], $7::int[], $8::uuid[], $9::uuid[])
         as e(id, key, balance_after, credential_id, import_id, row_number, created_by, group_id)`,
    [
      ORGANISATION,
      ids,
      paid.map((d) => d.key),
      paid.map((_, index) => balance - index - 1),
      paid.map((d) => d.credentialId),
      paid.map((d) => d.importId),
      paid.map((d) => d.rowNumber),
      paid.map((d) => d.createdBy),
      paid.map((d) => d.groupId),
    ],
  );
  await em.execute(`update credit_balance set balance = balance - ?, updated_at = now() where organisation = ?`, [paid.length, ORGANISATION]);
  paid.forEach((debit, index) => results.set(debit.key, { entryId: ids[index], balanceAfter: balance - index - 1, charged: true }));
  return results;
}

export interface RefundResult {
  entryId: string;
  balanceAfter: number;
  /** False: the debit had been refunded before (nothing given back twice). */
  refunded: boolean;
  credentialId: string | null;
  /** When the debit it gives back was made (reporting takes the renewal off that month). */
  debitedAt: string;
}

/** Gives back the credits of these debit entries, each once (keyed on the debit: `refund:<debitId>`). */
export async function refundDebits(em: EntityManager, debitIds: string[], importId: string, createdBy: string): Promise<Map<string, RefundResult>> {
  const results = new Map<string, RefundResult>();
  if (debitIds.length === 0) return results;
  const debits = await executeBound<{ id: string; amount: number; credential_id: string | null; group_id: string | null; created_at: Date; refund_id: string | null; refund_balance: number | null }>(
    em,
    `select d.id, d.amount, d.credential_id, d.group_id, d.created_at, r.id as refund_id, r.balance_after as refund_balance
       from credit_ledger d left join credit_ledger r on r.refund_of = d.id
      where d.id = any($1::uuid[]) and d.kind = 'debit'`,
    [debitIds],
  );
  const fresh = debits.filter((d) => d.refund_id === null);
  for (const d of debits) {
    if (d.refund_id) results.set(d.id, { entryId: d.refund_id, balanceAfter: Number(d.refund_balance), refunded: false, credentialId: d.credential_id, debitedAt: new Date(d.created_at).toISOString() });
  }
  if (fresh.length === 0) return results;
  const [locked] = await em.execute<{ balance: number }[]>(`select balance from credit_balance where organisation = ? for update`, [ORGANISATION]);
  let balance = Number(locked?.balance ?? 0);
  const rows = fresh.map((d) => {
    balance += Math.abs(Number(d.amount));
    return { id: randomUUID(), key: `refund:${d.id}`, amount: Math.abs(Number(d.amount)), balanceAfter: balance, refundOf: d.id, credentialId: d.credential_id, groupId: d.group_id, debitedAt: new Date(d.created_at).toISOString() };
  });
  await executeBound(
    em,
    `insert into credit_ledger (id, organisation, idempotency_key, kind, amount, balance_after, reason, credential_id, group_id, import_id, refund_of, created_by, created_at)
     select e.id, $1, e.key, 'refund', e.amount, e.balance_after, 'refund of renewal', e.credential_id, e.group_id, $8::uuid, e.refund_of, $9::uuid, clock_timestamp()
       from unnest($2::uuid[], $3::text[], $4::int[], $5::int[], $6::uuid[], $7::uuid[], $10::uuid[]) as e(id, key, amount, balance_after, refund_of, credential_id, group_id)`,
    [
      ORGANISATION,
      rows.map((r) => r.id),
      rows.map((r) => r.key),
      rows.map((r) => r.amount),
      rows.map((r) => r.balanceAfter),
      rows.map((r) => r.refundOf),
      rows.map((r) => r.credentialId),
      importId,
      createdBy,
      rows.map((r) => r.groupId),
    ],
  );
  const total = rows.reduce((sum, r) => sum + r.amount, 0);
  await em.execute(`update credit_balance set balance = balance + ?, updated_at = now() where organisation = ?`, [total, ORGANISATION]);
  for (const r of rows) results.set(r.refundOf, { entryId: r.id, balanceAfter: r.balanceAfter, refunded: true, credentialId: r.credentialId, debitedAt: r.debitedAt });
  return results;
}
