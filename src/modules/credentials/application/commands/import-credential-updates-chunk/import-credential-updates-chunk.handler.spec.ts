import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import type { CreditEntry, DebitInput } from '../../credit-ledger.js';
import { ImportCredentialUpdatesChunkHandler, renewalDebitKey } from './import-credential-updates-chunk.handler.js';

/** A ledger with a balance: debitMany is all or nothing, debit one at a time, as CreditLedger's contract says. */
function fakeLedger(balance: number) {
  const calls: string[] = [];
  const entry = (input: DebitInput): CreditEntry => ({ id: `entry-${input.key}`, key: input.key, kind: 'debit', amount: -1, balanceAfter: balance, reason: input.reason, credentialId: null, groupId: null, importId: null, rowNumber: null, refundOf: null, createdBy: null, createdAt: '' });
  const short = () => new DomainError('CREDENTIALS.INSUFFICIENT_CREDITS', 'conflict', { needed: 1, balance });
  return {
    calls,
    async debitMany(_em: unknown, inputs: DebitInput[]) {
      calls.push(`many:${inputs.length}`);
      if (inputs.length > balance) throw short();
      balance -= inputs.length;
      return inputs.map(entry);
    },
    async debit(_em: unknown, input: DebitInput) {
      calls.push(`one:${input.key}`);
      if (balance < 1) throw short();
      balance -= 1;
      return entry(input);
    },
  };
}

const debits = (rows: number[]): DebitInput[] => rows.map((row) => ({ key: renewalDebitKey('import-1', row), amount: 1, reason: 'renewal' }));
const pay = (ledger: ReturnType<typeof fakeLedger>, inputs: DebitInput[]) =>
  (new ImportCredentialUpdatesChunkHandler({} as never, {} as never, ledger as never, {} as never) as unknown as { pay(inputs: DebitInput[]): Promise<Map<string, CreditEntry>> }).pay(inputs);

describe('paying a chunk of renewals', () => {
  it('pays the whole chunk in one batch when the balance allows', async () => {
    const ledger = fakeLedger(5);
    const paid = await pay(ledger, debits([2, 3, 4]));
    expect([...paid.keys()]).toEqual(['import:import-1:row:2', 'import:import-1:row:3', 'import:import-1:row:4']);
    expect(ledger.calls).toEqual(['many:3']);
  });

  it('when the balance fell short, pays in row order what still fits and leaves the rest unpaid', async () => {
    const ledger = fakeLedger(2);
    const paid = await pay(ledger, debits([2, 3, 4]));
    expect([...paid.keys()]).toEqual(['import:import-1:row:2', 'import:import-1:row:3']);
    expect(ledger.calls).toEqual(['many:3', 'one:import:import-1:row:2', 'one:import:import-1:row:3', 'one:import:import-1:row:4']);
  });

  it('passes on any other ledger error', async () => {
    const ledger = { debitMany: async () => Promise.reject(new DomainError('CREDENTIALS.CREDIT_KEY_REUSED', 'conflict')), debit: async () => undefined };
    await expect(pay(ledger as never, debits([2]))).rejects.toMatchObject({ code: 'CREDENTIALS.CREDIT_KEY_REUSED' });
  });
});
