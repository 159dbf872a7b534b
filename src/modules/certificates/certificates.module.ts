import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './domain/messages.js';
import { AttachmentIntake } from './application/attachment-intake.js';
import { ObtainedCertificateRegistrar } from './application/obtained-certificate-registrar.js';
import { Catalogue } from './application/catalogue.js';
import { AllocateCertificateNumbersHandler } from './application/commands/allocate-certificate-numbers/allocate-certificate-numbers.handler.js';
import { CreateCategoryHandler } from './application/commands/create-category/create-category.handler.js';
import { CreateDefinitionHandler } from './application/commands/create-definition/create-definition.handler.js';
import { DeleteCategoryHandler } from './application/commands/delete-category/delete-category.handler.js';
import { DeleteDefinitionHandler } from './application/commands/delete-definition/delete-definition.handler.js';
import { RemoveImportedObtainedCertificatesHandler } from './application/commands/remove-imported-obtained-certificates/remove-imported-obtained-certificates.handler.js';
import { RegisterObtainedCertificateHandler, RegisterObtainedCertificatesHandler } from './application/commands/register-obtained-certificate/register-obtained-certificate.handler.js';
import { UpdateCategoryHandler } from './application/commands/update-category/update-category.handler.js';
import { UpdateDefinitionHandler } from './application/commands/update-definition/update-definition.handler.js';
import {
  RegisterRecordedExternalCertificateSubscriber,
  RegisterValidatedExternalCertificateSubscriber,
} from './application/event-handlers/register-external-certificate.subscriber.js';
import { ObtainedCertificatesImport, ObtainedCertificatesWithFilesImport } from './application/imports/obtained-certificates.import-type.js';
import {
  FindDefinitionsByCodesHandler,
  GetCategoryHandler,
  GetDefinitionHandler,
  ListCategoriesHandler,
  ListDefinitionsHandler,
} from './application/queries/catalogue-queries.handlers.js';
import { ListDefinitionChoicesHandler } from './application/queries/definition-choices.handler.js';
import { FindDefinitionsByIdsHandler } from './application/queries/find-definitions-by-ids.handler.js';
import {
  GetAttachmentContentHandler,
  GetObtainedCertificateHandler,
  ListObtainedCertificatesHandler,
} from './application/queries/obtained-certificate-queries.handlers.js';
import { CertificateBulkWriter } from './infrastructure/certificate-bulk-writer.js';
import { CertificateNumberAllocator } from './infrastructure/certificate-number-allocator.js';
import { CERTIFICATES_ENTITIES } from './infrastructure/certificates.schemas.js';
import { CertificatesDemoSeeder } from './infrastructure/certificates-demo.seeder.js';
import { CertificateCategoriesController } from './interface/http/certificate-categories.controller.js';
import { CertificateDefinitionsController } from './interface/http/certificate-definitions.controller.js';
import { ObtainedCertificatesController } from './interface/http/obtained-certificates.controller.js';
import { CertificateStoredFiles } from './infrastructure/certificate-stored-files.js';

const commandHandlers = [
  CreateCategoryHandler,
  UpdateCategoryHandler,
  DeleteCategoryHandler,
  CreateDefinitionHandler,
  UpdateDefinitionHandler,
  DeleteDefinitionHandler,
  RegisterObtainedCertificateHandler,
  RegisterObtainedCertificatesHandler,
  RemoveImportedObtainedCertificatesHandler,
  AllocateCertificateNumbersHandler,
];

const queryHandlers = [
  ListCategoriesHandler,
  GetCategoryHandler,
  ListDefinitionsHandler,
  GetDefinitionHandler,
  FindDefinitionsByCodesHandler,
  FindDefinitionsByIdsHandler,
  ListObtainedCertificatesHandler,
  GetObtainedCertificateHandler,
  GetAttachmentContentHandler,
];

/**
 * The certificate catalogue (categories, definitions) and the certificates people obtained, with the
 * import types that load them in bulk.
 */
@Module({
  imports: [CqrsModule, MikroOrmModule.forFeature(CERTIFICATES_ENTITIES)],
  controllers: [CertificateCategoriesController, CertificateDefinitionsController, ObtainedCertificatesController],
  providers: [...commandHandlers, ...queryHandlers, Catalogue, AttachmentIntake, ObtainedCertificateRegistrar, CertificateNumberAllocator, CertificateBulkWriter, CertificatesDemoSeeder,
    ObtainedCertificatesImport, ObtainedCertificatesWithFilesImport, CertificateStoredFiles,
    // The definitions a review page offers (external certificates).
    ListDefinitionChoicesHandler,
    RegisterValidatedExternalCertificateSubscriber, RegisterRecordedExternalCertificateSubscriber],
})
export class CertificatesModule {}
