import type { EntityManager } from '@mikro-orm/postgresql';
import type { CommandBus, QueryBus } from '@nestjs/cqrs';
import { describe, expect, it } from 'vitest';
import { RemoveImportedObtainedCertificatesCommand, type ImportedCertificateRemoval } from '#libs/contracts/certificates/index.js';
import type { ImportChunkContext, UndoRow } from '#libs/contracts/imports/index.js';
import { ObtainedCertificatesImport } from './obtained-certificates.import-type.js';

const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const created = (rowNumber: number, n: number, version: unknown = 1): UndoRow => ({
  rowNumber,
  change: { entity: 'obtained-certificate', id: ID(n), before: null, after: { version } as Record<string, unknown> },
});

/** The undo of the type, over a command bus that answers as the Certificates module would. */
function typeAnswering(results: Record<string, ImportedCertificateRemoval>) {
  const sent: RemoveImportedObtainedCertificatesCommand[] = [];
  const commands = {
    execute: async (command: RemoveImportedObtainedCertificatesCommand) => {
      sent.push(command);
      return new Map(command.items.map((item) => [item.id, results[item.id]] as const));
    },
  } as unknown as CommandBus;
  return { type: new ObtainedCertificatesImport(commands, {} as QueryBus, {} as EntityManager), sent };
}

const context = { principal: { userId: 'admin', permissions: [] } } as unknown as ImportChunkContext;

describe('obtained certificates: undoChunk', () => {
  it('sends one command for the chunk and maps each result to an outcome', async () => {
    const { type, sent } = typeAnswering({ [ID(1)]: 'removed', [ID(2)]: 'changed_since', [ID(3)]: 'gone', [ID(4)]: 'forbidden' });
    const outcomes = await type.undoChunk([created(5, 4), created(2, 1), created(3, 2), created(4, 3)], context);
    expect(sent).toHaveLength(1);
    expect(sent[0].items).toEqual([4, 1, 2, 3].map((n) => ({ id: ID(n), version: 1 })));
    expect(outcomes).toEqual([
      { rowNumber: 2, status: 'succeeded', errors: [], warnings: [], entityId: ID(1), change: { entity: 'obtained-certificate', id: ID(1), before: { version: 1 }, after: null } },
      { rowNumber: 3, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.UNDO_CHANGED_SINCE' }], entityId: ID(2) },
      { rowNumber: 4, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.UNDO_ALREADY_GONE' }], entityId: ID(3) },
      { rowNumber: 5, status: 'failed', errors: [{ code: 'COMMON.FORBIDDEN', params: { permission: 'scope.all' } }], warnings: [], entityId: ID(4) },
    ]);
  });

  it('refuses a change it does not record (another entity, an update, no version) without asking the module', async () => {
    const { type, sent } = typeAnswering({});
    const outcomes = await type.undoChunk(
      [
        { rowNumber: 2, change: { entity: 'user', id: ID(1), before: null, after: { version: 1 } } },
        { rowNumber: 3, change: { entity: 'obtained-certificate', id: ID(2), before: { version: 1 }, after: { version: 2 } } },
        created(4, 3, '1'),
      ],
      context,
    );
    expect(sent).toEqual([]);
    expect(outcomes.map((o) => [o.rowNumber, o.status, o.errors[0].code])).toEqual([
      [2, 'failed', 'IMPORTS.UNDO_NOT_SUPPORTED'],
      [3, 'failed', 'IMPORTS.UNDO_NOT_SUPPORTED'],
      [4, 'failed', 'IMPORTS.UNDO_NOT_SUPPORTED'],
    ]);
  });
});
