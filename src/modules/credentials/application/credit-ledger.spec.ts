import type { EntityManager } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '#libs/errors/domain-error.js';
import { CreditLedger } from './credit-ledger.js';

interface Row {
  id: string;
  idempotency_key: string;
  kind: string;
  amount: number;
  balance_after: number;
  reason: string;
  credential_id: string | null;
  group_id: string | null;
  import_id: string | null;
  row_number: number | null;
  refund_of: string | null;
  created_by: string | null;
  created_at: Date;
}

/**
 * The ledger's statements answered from memory, as PostgreSQL would: the balance row, the entries (with the
 * unique key and one refund per debit) and the outbox messages persisted in the unit of work. The real SQL
 * runs in the e2e tests; this pins down the ledger's decisions.
 */
function fakeDatabase(balance = 0) {
  const state = { balance, entries: [] as Row[], events: [] as { eventType: string; payload: Record<string, unknown> }[], credentials: new Map([['c-1', 'g-1']]) };
  const em = {
    persist: (message: { eventType: string; payload: Record<string, unknown> }) => void state.events.push(message),
    execute: async (sql: string, params: unknown[]) => {
      const text = sql.replace(/\s+/g, ' ').trim();
      if (text.startsWith('select balance from credit_balance')) return [{ balance: state.balance }];
      if (text.startsWith('update credit_balance set balance = ?')) {
        state.balance = params[0] as number;
        return [];
      }
      if (text.startsWith('select group_id from credentials')) return state.credentials.has(params[0] as string) ? [{ group_id: state.credentials.get(params[0] as string) }] : [];
      if (text.includes('from credit_ledger where idempotency_key = ?')) return state.entries.filter((row) => row.idempotency_key === params[0]);
      if (text.includes('from credit_ledger where id = ?')) return state.entries.filter((row) => row.id === params[0]);
      if (text.includes('from credit_ledger where refund_of = ?')) return state.entries.filter((row) => row.refund_of === params[0]);
      if (text.startsWith('insert into credit_ledger')) {
        const [, key, kind, amount, balanceAfter, reason, credentialId, groupId, importId, rowNumber, refundOf, by] = params as [string, string, string, number, number, string, string | null, string | null, string | null, number | null, string | null, string | null];
        if (state.entries.some((row) => row.idempotency_key === key)) throw new Error('unique violation: credit_ledger_idempotency_key_unique');
        if (refundOf && state.entries.some((row) => row.refund_of === refundOf)) throw new Error('unique violation: credit_ledger_refund_unique');
        if (balanceAfter < 0) throw new Error('check violation: balance >= 0');
        const row: Row = { id: randomUUID(), idempotency_key: key, kind, amount, balance_after: balanceAfter, reason, credential_id: credentialId, group_id: groupId, import_id: importId, row_number: rowNumber, refund_of: refundOf, created_by: by, created_at: new Date() };
        state.entries.push(row);
        return [row];
      }
      throw new Error(`unexpected SQL: ${text}`);
    },
  } as unknown as EntityManager;
  return { em, state };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'no error';
}

describe('CreditLedger', () => {
  const ledger = new CreditLedger();

  it('tops up once per key: a retried top-up returns the first entry', async () => {
    const { em, state } = fakeDatabase();
    const first = await ledger.topUp(em, { key: 'top-up-1', amount: 20, by: 'admin' });
    const again = await ledger.topUp(em, { key: 'top-up-1', amount: 20, by: 'admin' });
    expect(again).toEqual(first);
    expect(state.balance).toBe(20);
    expect(state.entries).toHaveLength(1);
    expect(first).toMatchObject({ kind: 'top-up', amount: 20, balanceAfter: 20 });
  });

  it('debits once per key, records CreditsDebited once, with the credential group', async () => {
    const { em, state } = fakeDatabase(5);
    const input = { key: 'renewal:imp:7', amount: 1, reason: 'renewal', credentialId: 'c-1', importId: 'imp', rowNumber: 7, by: 'admin' };
    const first = await ledger.debit(em, input);
    const again = await ledger.debit(em, input);
    expect(again.id).toBe(first.id);
    expect(state.balance).toBe(4);
    expect(first).toMatchObject({ kind: 'debit', amount: -1, balanceAfter: 4, groupId: 'g-1', rowNumber: 7 });
    expect(state.events).toHaveLength(1);
    expect(state.events[0]).toMatchObject({ eventType: 'credentials.credits-debited.v1', payload: { entryId: first.id, amount: 1, balanceAfter: 4, groupId: 'g-1', reason: 'renewal' } });
  });

  it('refuses a debit beyond the balance and changes nothing', async () => {
    const { em, state } = fakeDatabase(1);
    await ledger.debit(em, { key: 'a', amount: 1, reason: 'renewal' });
    expect(await codeOf(ledger.debit(em, { key: 'b', amount: 1, reason: 'renewal' }))).toBe('CREDENTIALS.INSUFFICIENT_CREDITS');
    expect(state.balance).toBe(0);
    expect(state.entries).toHaveLength(1);
    expect(state.events).toHaveLength(1);
  });

  it('a retried debit is answered from its entry even when the balance has run out since', async () => {
    const { em } = fakeDatabase(1);
    const first = await ledger.debit(em, { key: 'a', amount: 1, reason: 'renewal' });
    expect((await ledger.debit(em, { key: 'a', amount: 1, reason: 'renewal' })).id).toBe(first.id);
  });

  it('a key used for another kind or amount is a conflict', async () => {
    const { em } = fakeDatabase(10);
    await ledger.debit(em, { key: 'k', amount: 1, reason: 'renewal' });
    expect(await codeOf(ledger.debit(em, { key: 'k', amount: 2, reason: 'renewal' }))).toBe('CREDENTIALS.CREDIT_KEY_REUSED');
    expect(await codeOf(ledger.topUp(em, { key: 'k', amount: 1 }))).toBe('CREDENTIALS.CREDIT_KEY_REUSED');
  });

  it('refunds a debit once, whatever the key of a second refund, and records CreditsRefunded once', async () => {
    const { em, state } = fakeDatabase(3);
    const debit = await ledger.debit(em, { key: 'd', amount: 2, reason: 'renewal', credentialId: 'c-1' });
    const refund = await ledger.refund(em, { key: 'undo:d', refundOf: debit.id });
    expect(await ledger.refund(em, { key: 'undo:d', refundOf: debit.id })).toEqual(refund);
    expect((await ledger.refund(em, { key: 'another', refundOf: debit.id })).id).toBe(refund.id);
    expect(refund).toMatchObject({ kind: 'refund', amount: 2, balanceAfter: 3, refundOf: debit.id, groupId: 'g-1' });
    expect(state.balance).toBe(3);
    expect(state.events.map((event) => event.eventType)).toEqual(['credentials.credits-debited.v1', 'credentials.credits-refunded.v1']);
    expect(state.events[1].payload).toMatchObject({ refundOf: debit.id, amount: 2, groupId: 'g-1', reasonOfDebit: 'renewal' });
  });

  it('refunds only debits', async () => {
    const { em } = fakeDatabase();
    const topUp = await ledger.topUp(em, { key: 't', amount: 3 });
    expect(await codeOf(ledger.refund(em, { key: 'r', refundOf: topUp.id }))).toBe('CREDENTIALS.CREDIT_REFUND_INVALID');
    expect(await codeOf(ledger.refund(em, { key: 'r', refundOf: randomUUID() }))).toBe('CREDENTIALS.CREDIT_ENTRY_NOT_FOUND');
  });

  it('refuses amounts that are not whole positive numbers and empty keys', async () => {
    const { em } = fakeDatabase(10);
    expect(await codeOf(ledger.topUp(em, { key: 't', amount: 0 }))).toBe('CREDENTIALS.CREDIT_AMOUNT_INVALID');
    expect(await codeOf(ledger.debit(em, { key: 't', amount: 1.5, reason: 'x' }))).toBe('CREDENTIALS.CREDIT_AMOUNT_INVALID');
    expect(await codeOf(ledger.debit(em, { key: '', amount: 1, reason: 'x' }))).toBe('CREDENTIALS.CREDIT_KEY_INVALID');
  });
});
