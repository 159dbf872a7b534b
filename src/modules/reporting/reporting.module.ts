import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CountCertificatesPerMonthSubscriber } from './application/event-handlers/count-certificates-per-month.subscriber.js';
import { CountCredentialRenewalsSubscriber, CountCreditsUsedSubscriber, UncountRefundedCreditsSubscriber } from './application/event-handlers/count-credential-renewals.subscriber.js';
import { CredentialRenewalsHandler } from './application/queries/credential-renewals.handler.js';
import { CountImportsPerDaySubscriber } from './application/event-handlers/count-imports-per-day.subscriber.js';
import { UncountRemovedCertificatesSubscriber } from './application/event-handlers/uncount-removed-certificates.subscriber.js';
import { CertificatesPerMonthHandler } from './application/queries/certificates-per-month.handler.js';
import { ImportsPerDayHandler } from './application/queries/imports-per-day.handler.js';
import { ReportingAliasController, ReportsController } from './interface/http/reports.controller.js';
import {
  ReviewRejectedSubscriber,
  ReviewReviewerChangedSubscriber,
  ReviewSubmittedSubscriber,
  ReviewValidatedSubscriber,
} from './application/event-handlers/project-reviews.subscribers.js';
import { ReviewsReportHandler } from './application/queries/reviews.handler.js';
import { LicencesExpiringHandler } from './application/queries/licences-expiring.handler.js';
import { ProjectAddedLicencesSubscriber, ProjectChangedLicencesSubscriber, ProjectRemovedLicencesSubscriber } from './application/event-handlers/project-licences.subscribers.js';

/** Read models fed only by integration events, and the endpoints that read them. */
@Module({
  imports: [CqrsModule],
  controllers: [ReportsController, ReportingAliasController],
  providers: [CountCertificatesPerMonthSubscriber, UncountRemovedCertificatesSubscriber, CertificatesPerMonthHandler, CountImportsPerDaySubscriber, ImportsPerDayHandler,
    ReviewSubmittedSubscriber, ReviewReviewerChangedSubscriber, ReviewValidatedSubscriber, ReviewRejectedSubscriber, ReviewsReportHandler,
    ProjectAddedLicencesSubscriber, ProjectChangedLicencesSubscriber, ProjectRemovedLicencesSubscriber, LicencesExpiringHandler,
    CountCredentialRenewalsSubscriber, CountCreditsUsedSubscriber, UncountRefundedCreditsSubscriber, CredentialRenewalsHandler],
})
export class ReportingModule {}
