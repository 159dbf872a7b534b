import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '#libs/errors/domain-error.js';
import { ormOptions } from '../../src/database/orm-options.js';
import { CreditLedger } from '../../src/modules/credentials/application/credit-ledger.js';
import { Credential } from '../../src/modules/credentials/domain/credential.js';
import { CredentialStore } from '../../src/modules/credentials/infrastructure/credential-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The credit ledger and the credential store's batch writes against real PostgreSQL (the statements the
 * unit test answers from memory): idempotency under concurrent transactions, batches, refunds, outbox rows.
 */
describe('credit ledger and credential store on PostgreSQL', () => {
  let database: TestDatabase;
  let orm: MikroORM;
  const ledger = new CreditLedger();
  const store = new CredentialStore();
  const inTransaction = <T>(work: (em: EntityManager) => Promise<T>) => orm.em.fork().transactional(work);
  const balance = () => inTransaction((em) => ledger.balance(em));
  const outbox = async (type: string) => (await orm.em.fork().execute<{ payload: Record<string, unknown> }[]>(`select payload from outbox_messages where event_type = ?`, [type])).map((row) => row.payload);
  const codeOf = async (work: Promise<unknown>) => work.then(() => 'no error', (error: DomainError) => error.code);

  let groupId: string;
  let credentialId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await MikroORM.init(ormOptions(database.url, { pool: { min: 0, max: 4 } }));
    await orm.migrator.up();
    groupId = randomUUID();
    const designId = randomUUID();
    await orm.em.fork().execute(`insert into credential_designs (id, name) values (?, 'D')`, [designId]);
    await orm.em.fork().execute(`insert into credential_groups (id, name, design_id) values (?, 'G', ?)`, [groupId, designId]);
    const credential = Credential.issue(randomUUID(), groupId, { recipientName: 'R', recipientEmail: 'r@example.org', issuedOn: '2024-01-01', expiresOn: '2025-01-01' }, []);
    credentialId = credential.snapshot.id;
    await inTransaction((em) => store.insertCredentials(em, [credential]));
  });
  afterAll(async () => {
    await orm?.close();
    await database?.drop();
  });

  it('tops up, debits and refunds idempotently, with the group taken from the credential and events in the outbox', async () => {
    await inTransaction((em) => ledger.topUp(em, { key: 'top-up', amount: 3 }));
    await inTransaction((em) => ledger.topUp(em, { key: 'top-up', amount: 3 }));
    expect(await balance()).toBe(3);
    const [a, b] = await Promise.all([
      inTransaction((em) => ledger.debit(em, { key: 'renewal:x:1', amount: 1, reason: 'renewal', credentialId })),
      inTransaction((em) => ledger.debit(em, { key: 'renewal:x:1', amount: 1, reason: 'renewal', credentialId })),
    ]);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ kind: 'debit', amount: -1, balanceAfter: 2, groupId });
    expect(await balance()).toBe(2);
    expect(await outbox('credentials.credits-debited.v1')).toEqual([expect.objectContaining({ entryId: a.id, amount: 1, groupId, balanceAfter: 2 })]);
    const refunds = await Promise.all([
      inTransaction((em) => ledger.refund(em, { key: 'undo:1', refundOf: a.id })),
      inTransaction((em) => ledger.refund(em, { key: 'undo:other', refundOf: a.id })),
    ]);
    expect(refunds[0].id).toBe(refunds[1].id);
    expect(await balance()).toBe(3);
    expect(await outbox('credentials.credits-refunded.v1')).toEqual([expect.objectContaining({ refundOf: a.id, amount: 1, groupId, reasonOfDebit: 'renewal' })]);
  });

  it('debits a batch in order, all or nothing against the balance', async () => {
    const before = await balance();
    const keys = ['b:1', 'b:2', 'b:3'];
    const entries = await inTransaction((em) => ledger.debitMany(em, keys.map((key) => ({ key, amount: 1, reason: 'renewal', credentialId, importId: randomUUID(), rowNumber: 2 }))));
    expect(entries.map((entry) => [entry.key, entry.balanceAfter])).toEqual(keys.map((key, index) => [key, before - index - 1]));
    expect(await balance()).toBe(before - 3);
    const refused = inTransaction((em) => ledger.debitMany(em, [{ key: 'b:1', amount: 1, reason: 'renewal' }, { key: 'c:1', amount: 1, reason: 'renewal' }, { key: 'c:2', amount: 1, reason: 'renewal' }]));
    expect(await codeOf(refused)).toBe('CREDENTIALS.INSUFFICIENT_CREDITS');
    expect(await balance()).toBe(before - 3);
    const refunds = await inTransaction((em) => ledger.refundMany(em, entries.map((entry) => ({ key: `undo:${entry.key}`, refundOf: entry.id }))));
    expect(refunds.map((refund) => refund.amount)).toEqual([1, 1, 1]);
    expect(await balance()).toBe(before);
    const history = await inTransaction((em) => ledger.entries(em, { limit: 3, offset: 0 }));
    expect(history.items.map((entry) => entry.key)).toEqual(['undo:b:3', 'undo:b:2', 'undo:b:1']);
  });

  it('saveCredentials writes only credentials still at the expected version', async () => {
    const [loaded] = [...(await inTransaction((em) => store.credentials(em, [credentialId]))).values()];
    const credential = loaded.credential;
    credential.update({ grade: 'A' }, [], '2026-11-30');
    expect(await inTransaction((em) => store.saveCredentials(em, [{ credential, expectedVersion: 1 }]))).toEqual([]);
    credential.update({ grade: 'B' }, [], '2026-11-30');
    expect(await inTransaction((em) => store.saveCredentials(em, [{ credential, expectedVersion: 1 }]))).toEqual([credentialId]);
    const stored = await inTransaction((em) => store.credential(em, credentialId));
    expect(stored.credential.snapshot).toMatchObject({ grade: 'A', version: 2 });
  });
});
