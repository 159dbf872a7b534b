import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './domain/messages.js';
import { AddLicenceHandler } from './application/commands/add-licence/add-licence.handler.js';
import { ChangeLicenceHandler } from './application/commands/change-licence/change-licence.handler.js';
import { CreateLicenceTypeHandler } from './application/commands/create-licence-type/create-licence-type.handler.js';
import { DeleteLicenceTypeHandler } from './application/commands/delete-licence-type/delete-licence-type.handler.js';
import { ImportLicencesChunkHandler } from './application/commands/import-licences-chunk/import-licences-chunk.handler.js';
import { RemoveLicenceHandler } from './application/commands/remove-licence/remove-licence.handler.js';
import { UndoImportedLicencesHandler } from './application/commands/undo-imported-licences/undo-imported-licences.handler.js';
import { UpdateLicenceTypeHandler } from './application/commands/update-licence-type/update-licence-type.handler.js';
import { ForgetImportTouchesSubscriber } from './application/event-handlers/forget-import-touches.subscriber.js';
import { LicencesImport } from './application/imports/licences.import-type.js';
import { LicenceAccess } from './application/licence-access.js';
import { LicencesExport } from './application/licences-export.js';
import { GetLicenceHandler, ListLicencesHandler } from './application/queries/licence-queries.handlers.js';
import { GetLicenceTypeHandler, ListLicenceTypesHandler } from './application/queries/licence-type-queries.handlers.js';
import { LicencesDemoSeeder } from './infrastructure/licences-demo.seeder.js';
import { LicenceTypesController } from './interface/http/licence-types.controller.js';
import { LicencesController } from './interface/http/licences.controller.js';

/**
 * Licences and certifications: a catalogue of licence types, users' licences (by hand, with a status
 * derived from their dates), and the `licences` import type (tab-delimited text or XML, Add/Edit/Delete,
 * validate-only by default, undo). A sibling of Certificates rather than part of it: a licence shares
 * nothing with an obtained certificate (no numbering, attachments or definitions), has its own
 * catalogue, scope and import semantics, so one module would only couple the two.
 */
@Module({
  imports: [CqrsModule],
  controllers: [LicenceTypesController, LicencesController],
  providers: [
    CreateLicenceTypeHandler,
    UpdateLicenceTypeHandler,
    DeleteLicenceTypeHandler,
    AddLicenceHandler,
    ChangeLicenceHandler,
    RemoveLicenceHandler,
    ImportLicencesChunkHandler,
    UndoImportedLicencesHandler,
    ListLicenceTypesHandler,
    GetLicenceTypeHandler,
    ListLicencesHandler,
    GetLicenceHandler,
    LicenceAccess,
    LicencesExport,
    LicencesImport,
    LicencesDemoSeeder,
    ForgetImportTouchesSubscriber,
  ],
})
export class LicencesModule {}
