import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './domain/messages.js';
import { MailOnExternalCertificateRejected, MailOnExternalCertificateValidated } from './application/event-handlers/mail-on-external-certificate-decided.handler.js';
import { MailOnImportCompleted } from './application/event-handlers/mail-on-import-completed.handler.js';
import { MailOnExternalCertificateSubmitted, MailOnReviewerChanged, MailOnReviewReminderDue } from './application/event-handlers/mail-on-review-requested.handler.js';
import { NotifyOnImportCompleted } from './application/event-handlers/notify-on-import-completed.handler.js';
import { NotifyOnExternalCertificateSubmitted, NotifyOnReviewerChanged } from './application/event-handlers/notify-on-review-requested.handler.js';
import { QueuePasswordChangedMail } from './application/event-handlers/queue-password-changed-mail.handler.js';
import { QueuePasswordResetMail } from './application/event-handlers/queue-password-reset-mail.handler.js';
import { QueueWelcomeMail } from './application/event-handlers/queue-welcome-mail.handler.js';
import { MailComposer } from './application/mail-composer.js';
import { MailDeliveries } from './application/mail-deliveries.js';
import { MAIL_QUEUE, MailQueue } from './application/processing/mail-queue.js';
import { MailSweeper } from './application/processing/mail-sweeper.js';
import { MailWorker } from './application/processing/mail-worker.js';
import { MailDeliveryLog } from './infrastructure/mail-delivery-log.js';
import { MailSender } from './infrastructure/mail-sender.js';
import { MailTemplates } from './infrastructure/mail-templates.js';
import { NotificationsController } from './interface/http/notifications.controller.js';

/**
 * Email (templated, logged in mail_deliveries, sent exactly once through the `mail` queue over a pooled
 * SMTP transport) and in-app notifications, for what other modules announce in their events.
 */
@Module({
  imports: [CqrsModule, BullModule.registerQueue({ name: MAIL_QUEUE })],
  controllers: [NotificationsController],
  providers: [
    MailSender,
    MailTemplates,
    MailDeliveryLog,
    MailQueue,
    MailComposer,
    MailDeliveries,
    MailWorker,
    MailSweeper,
    QueueWelcomeMail,
    QueuePasswordResetMail,
    QueuePasswordChangedMail,
    MailOnImportCompleted,
    NotifyOnImportCompleted,
    // External certificates: the reviewer's mails (with review links) and notices, the learner's outcome mails.
    MailOnExternalCertificateSubmitted,
    MailOnReviewerChanged,
    MailOnReviewReminderDue,
    MailOnExternalCertificateValidated,
    MailOnExternalCertificateRejected,
    NotifyOnExternalCertificateSubmitted,
    NotifyOnReviewerChanged,
  ],
})
export class NotificationsModule {}
