import { EntitySchema } from '@mikro-orm/core';
import { Import } from '../domain/import.js';
import { IMPORT_STATUSES } from '../domain/import-lifecycle.js';

export const ImportSchema = new EntitySchema<Import>({
  class: Import,
  tableName: 'imports',
  properties: {
    id: { type: 'uuid', primary: true },
    type: { type: 'text' },
    status: { enum: true, items: () => [...IMPORT_STATUSES] },
    validateOnly: { type: 'boolean' },
    options: { type: 'json' },
    fileName: { type: 'text' },
    fileKind: { type: 'text' },
    fileKey: { type: 'text' },
    fileSize: { type: 'bigint', runtimeType: 'number' } as never,
    startedBy: { type: 'uuid' },
    startedByName: { type: 'text' },
    startedByLanguage: { type: 'text' },
    createdAt: { type: 'timestamptz' },
    startedAt: { type: 'timestamptz', nullable: true },
    parsedAt: { type: 'timestamptz', nullable: true },
    finishedAt: { type: 'timestamptz', nullable: true },
    header: { type: 'json', nullable: true },
    totalRows: { type: 'integer' },
    processedRows: { type: 'integer' },
    succeededRows: { type: 'integer' },
    failedRows: { type: 'integer' },
    skippedRows: { type: 'integer' },
    warningRows: { type: 'integer' },
    chunkCount: { type: 'integer', nullable: true },
    chunksDone: { type: 'integer' },
    failure: { type: 'json', nullable: true },
    warnings: { type: 'json' },
    retryOf: { type: 'uuid', nullable: true },
  },
});

export const IMPORTS_ENTITIES = [ImportSchema];
