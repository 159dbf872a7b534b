import type { EntityManager } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '#libs/errors/domain-error.js';
import { CreditLedger } from './credit-ledger.js';

const C1 = '00000000-0000-4000-8000-000000000001';
const C2 = '00000000-0000-4000-8000-000000000002';

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
  const state = { balance, entries: [] as Row[], events: [] as { eventType: string; payload: Record<string, unknown> }[], credentials: new Map([[C1, 'g-1']]) };
  const em = {
    persist: (message: { eventType: string; payload: Record<string, unknown> }) => void state.events.push(message),
    execute: async (sql: string, params: unknown[]) => {
      const text = sql.replace(/\s+/g, ' ').trim();
      const list = (value: unknown) => (value as string).replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((item) => JSON.parse(item) as string);
      if (text.startsWith('select balance from credit_balance')) return [{ balance: state.balance }];
      if (text.startsWith('update credit_balance set balance = ?')) {
        if ((params[0] as number) < 0) throw new Error('check violation: balance >= 0');
        state.balance = params[0] as number;
        return [];
      }
      if (text.startsWith('select id, group_id from credentials where id = any')) {
        return list(params[0]).filter((id) => state.credentials.has(id)).map((id) => ({ id, group_id: state.credentials.get(id) }));
      }
      if (text.includes('from credit_ledger where idempotency_key = any')) return state.entries.filter((row) => list(params[0]).includes(row.idempotency_key));
      if (text.includes('from credit_ledger where idempotency_key = ?')) return state.entries.filter((row) => row.idempotency_key === params[0]);
      if (text.includes('from credit_ledger where id = any')) return state.entries.filter((row) => list(params[0]).includes(row.id));
      if (text.includes('from credit_ledger where refund_of = any')) return state.entries.filter((row) => row.refund_of !== null && list(params[0]).includes(row.refund_of));
      if (text.startsWith('insert into credit_ledger')) {
        const items = JSON.parse(params[1] as string) as Record<string, never>[];
        return items
          .sort((a, b) => a.ord - b.ord)
          .map((item) => {
            if (state.entries.some((row) => row.idempotency_key === item.key)) throw new Error('unique violation: credit_ledger_idempotency_key_unique');
            if (item.refund_of && state.entries.some((row) => row.refund_of === item.refund_of)) throw new Error('unique violation: credit_ledger_refund_unique');
            const row: Row = { id: randomUUID(), idempotency_key: item.key, kind: item.kind, amount: item.amount, balance_after: item.balance_after, reason: item.reason, credential_id: item.credential_id, group_id: item.group_id, import_id: item.import_id, row_number: item.row_number, refund_of: item.refund_of, created_by: item.created_by, created_at: new Date() };
            state.entries.push(row);
            return row;
          });
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
    const input = { key: 'renewal:imp:7', amount: 1, reason: 'renewal', credentialId: C1, importId: 'imp', rowNumber: 7, by: 'admin' };
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
    const debit = await ledger.debit(em, { key: 'd', amount: 2, reason: 'renewal', credentialId: C1 });
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

  it('debits a batch in one go, answering retried keys from their entries, and refuses the whole batch beyond the balance', async () => {
    const { em, state } = fakeDatabase(3);
    const first = await ledger.debit(em, { key: 'renewal:i:2', amount: 1, reason: 'renewal', credentialId: C1 });
    const batch = await ledger.debitMany(em, [
      { key: 'renewal:i:2', amount: 1, reason: 'renewal', credentialId: C1 },
      { key: 'renewal:i:3', amount: 1, reason: 'renewal', credentialId: C2, groupId: 'g-2' },
      { key: 'renewal:i:3', amount: 1, reason: 'renewal', credentialId: C2, groupId: 'g-2' },
    ]);
    expect(batch[0].id).toBe(first.id);
    expect(batch[2].id).toBe(batch[1].id);
    expect(batch[1]).toMatchObject({ balanceAfter: 1, groupId: 'g-2' });
    expect(state.balance).toBe(1);
    expect(state.events).toHaveLength(2);
    const refused = ledger.debitMany(em, [
      { key: 'renewal:i:4', amount: 1, reason: 'renewal' },
      { key: 'renewal:i:5', amount: 1, reason: 'renewal' },
    ]);
    expect(await codeOf(refused)).toBe('CREDENTIALS.INSUFFICIENT_CREDITS');
    expect(state.balance).toBe(1);
    expect(state.entries).toHaveLength(2);
  });

  it('refunds a batch, once per debit', async () => {
    const { em, state } = fakeDatabase(5);
    const debits = await ledger.debitMany(em, [1, 2, 3].map((n) => ({ key: `d${n}`, amount: 1, reason: 'renewal' })));
    await ledger.refund(em, { key: 'undo:d1', refundOf: debits[0].id });
    const refunds = await ledger.refundMany(em, debits.map((debit) => ({ key: `undo:${debit.key}`, refundOf: debit.id })));
    expect(refunds.map((refund) => refund.refundOf)).toEqual(debits.map((debit) => debit.id));
    expect(state.balance).toBe(5);
    expect(state.entries.filter((row) => row.kind === 'refund')).toHaveLength(3);
    expect(state.events.filter((event) => event.eventType === 'credentials.credits-refunded.v1')).toHaveLength(3);
  });
});
