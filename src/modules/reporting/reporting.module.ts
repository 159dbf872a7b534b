import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CountCertificatesPerMonthSubscriber } from './application/event-handlers/count-certificates-per-month.subscriber.js';
import { CountImportsPerDaySubscriber } from './application/event-handlers/count-imports-per-day.subscriber.js';
import { UncountRemovedCertificatesSubscriber } from './application/event-handlers/uncount-removed-certificates.subscriber.js';
import { CertificatesPerMonthHandler } from './application/queries/certificates-per-month.handler.js';
import { ImportsPerDayHandler } from './application/queries/imports-per-day.handler.js';
import { LicencesExpiringHandler } from './application/queries/licences-expiring.handler.js';
import { ProjectAddedLicencesSubscriber, ProjectChangedLicencesSubscriber, ProjectRemovedLicencesSubscriber } from './application/event-handlers/project-licences.subscribers.js';
import { ReportsController } from './interface/http/reports.controller.js';

/** Read models fed only by integration events, and the endpoints that read them. */
@Module({
  imports: [CqrsModule],
  controllers: [ReportsController],
  providers: [CountCertificatesPerMonthSubscriber, UncountRemovedCertificatesSubscriber, CertificatesPerMonthHandler, CountImportsPerDaySubscriber, ImportsPerDayHandler,
    ProjectAddedLicencesSubscriber, ProjectChangedLicencesSubscriber, ProjectRemovedLicencesSubscriber, LicencesExpiringHandler],
})
export class ReportingModule {}
