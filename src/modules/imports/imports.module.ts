import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '#libs/config/app-config.js';
import './domain/messages.js';
import './domain/sheet-and-availability-messages.js';
import './domain/row-conflict-messages.js';
import { CancelImportHandler } from './application/commands/cancel-import/cancel-import.handler.js';
import { RunValidatedImportHandler } from './application/commands/run-validated-import/run-validated-import.handler.js';
import { StartImportHandler } from './application/commands/start-import/start-import.handler.js';
import { ConfirmImportHandler } from './application/commands/confirm-import/confirm-import.handler.js';
import { SetImportMappingHandler } from './application/commands/set-import-mapping/set-import-mapping.handler.js';
import { UndoImportHandler } from './application/commands/undo-import/undo-import.handler.js';
import { ScheduleImportOnAdvanced, ScheduleImportOnStarted } from './application/event-handlers/schedule-import-work.handler.js';
import { ImportColumns } from './application/import-columns.js';
import { ImportAccess } from './application/import-access.js';
import { ImportDocuments } from './application/import-documents.js';
import { ImportTypeRegistry } from './application/import-type-registry.js';
import { ImportViews } from './application/import-views.js';
import { ChunkProcessor } from './application/processing/chunk-processor.js';
import { ImportReaper } from './application/processing/import-reaper.js';
import { ImportScheduler } from './application/processing/import-scheduler.js';
import { ImportSource } from './application/processing/import-source.js';
import { ImportStager } from './application/processing/import-stager.js';
import { IMPORTS_QUEUE } from './application/processing/import-queue.js';
import { ImportWorker } from './application/processing/import-worker.js';
import {
  GetImportHandler,
  ListImportRowsHandler,
  ListImportChangesHandler,
  ListImportRowCodesHandler,
  ListImportsHandler,
  ListImportTypesHandler,
} from './application/queries/import-queries.handlers.js';
import { ImportQuota } from './application/pending-import-bytes.js';
import { ImportStoredFiles } from './infrastructure/import-stored-files.js';
import { ImportRepository } from './infrastructure/import-repository.js';
import { IMPORTS_ENTITIES } from './infrastructure/imports.schemas.js';
import { MappingMemory } from './infrastructure/mapping-memory.js';
import { StagedRows } from './infrastructure/staged-rows.js';
import { ImportEventStream } from './interface/http/import-event-stream.js';
import { ImportsController } from './interface/http/imports.controller.js';
import { TestRecordsImport } from './testing/test-records.import-type.js';

/**
 * The import engine: uploads, parsing, chunked processing, the import log. It knows no business data:
 * import types are declared by the modules that own the data (see libs/contracts/imports).
 */
@Module({})
export class ImportsModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ImportsModule,
      imports: [
        CqrsModule,
        DiscoveryModule,
        MikroOrmModule.forFeature(IMPORTS_ENTITIES),
        BullModule.registerQueue({
          name: IMPORTS_QUEUE,
          settings: { lockDuration: config.imports.jobLockMs, stalledInterval: config.imports.jobLockMs, maxStalledCount: config.imports.maxStalledCount },
        }),
      ],
      controllers: [ImportsController],
      providers: [
        ImportTypeRegistry,
        ImportAccess,
        ImportViews,
        ImportDocuments,
        ImportEventStream,
        ImportRepository,
        ImportColumns,
        MappingMemory,
        StagedRows,
        ImportSource,
        ImportStager,
        ImportScheduler,
        ImportReaper,
        ChunkProcessor,
        ImportWorker,
        ImportStoredFiles,
        ImportQuota,
        StartImportHandler,
        CancelImportHandler,
        RunValidatedImportHandler,
        SetImportMappingHandler,
        ConfirmImportHandler,
        UndoImportHandler,
        ListImportTypesHandler,
        ListImportsHandler,
        GetImportHandler,
        ListImportRowsHandler,
        ListImportChangesHandler,
        ListImportRowCodesHandler,
        ScheduleImportOnStarted,
        ScheduleImportOnAdvanced,
        // Test-only import types (IMPORT_TEST_TYPES=true, refused in production): never declared otherwise.
        ...(config.imports.testTypes ? [TestRecordsImport] : []),
      ],
    };
  }
}
