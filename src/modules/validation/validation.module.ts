import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './application/validation-settings.js';
import './domain/messages.js';
import { CertificateAccess } from './application/certificate-access.js';
import { CertificateChanges } from './application/certificate-changes.js';
import { UploadExternalCertificateHandler } from './application/commands/upload-external-certificate/upload-external-certificate.handler.js';
import { People } from './application/people.js';
import {
  CountReviewTasksHandler,
  GetExternalCertificateFileHandler,
  GetExternalCertificateHandler,
  GetExternalCertificateHistoryHandler,
  ListExternalCertificatesHandler,
  ListReviewTasksHandler,
} from './application/queries/external-certificate-queries.handlers.js';
import { GetUserCreditsHandler } from './application/queries/get-user-credits.handler.js';
import {
  ReassignOnGroupAdminRemoved,
  ReassignOnManagerRelationEnded,
  ReassignOnUserDeleted,
  ReassignOnUserRolesChanged,
} from './application/reassignment/reviewer-events.subscribers.js';
import { ReviewerReassignment } from './application/reassignment/reviewer-reassignment.js';
import { ReviewerSweep } from './application/reassignment/reviewer-sweep.js';
import { ReviewDecisions } from './application/review-decisions.js';
import { ExternalCertificateRepository } from './infrastructure/external-certificate.repository.js';
import { ExternalCertificateStoredFiles } from './infrastructure/external-certificate-stored-files.js';
import { CertificateUploadInterceptor } from './interface/http/certificate-upload.interceptor.js';
import { ExternalCertificatesController } from './interface/http/external-certificates.controller.js';
import { ReviewsController, UserCreditsController } from './interface/http/reviews.controller.js';

const queryHandlers = [
  GetExternalCertificateHandler,
  ListExternalCertificatesHandler,
  GetExternalCertificateHistoryHandler,
  GetExternalCertificateFileHandler,
  ListReviewTasksHandler,
  CountReviewTasksHandler,
  GetUserCreditsHandler,
];

/**
 * External certificates and their review (the design card's Validation module): uploads by or for a
 * learner, the reviewer chosen by the platform settings, the review through the API or the links in the
 * reviewer's mail, reminders, and the events that put a validated certificate in the catalogue.
 */
@Module({
  imports: [CqrsModule],
  controllers: [ExternalCertificatesController, ReviewsController, UserCreditsController],
  providers: [
    UploadExternalCertificateHandler,
    ...queryHandlers,
    ExternalCertificateRepository,
    ExternalCertificateStoredFiles,
    CertificateAccess,
    CertificateChanges,
    People,
    ReviewDecisions,
    CertificateUploadInterceptor,
    ReviewerReassignment,
    ReviewerSweep,
    ReassignOnUserDeleted,
    ReassignOnUserRolesChanged,
    ReassignOnManagerRelationEnded,
    ReassignOnGroupAdminRemoved,
  ],
  exports: [ReviewDecisions, ReviewerSweep],
})
export class ValidationModule {}
