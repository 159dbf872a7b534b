import { Module } from '@nestjs/common';
import './domain/messages.js';
import { NotifyOnImportCompleted } from './application/event-handlers/notify-on-import-completed.handler.js';
import { SendPasswordChangedMail } from './application/event-handlers/send-password-changed-mail.handler.js';
import { SendWelcomeMailOnUserCreated } from './application/event-handlers/send-welcome-mail-on-user-created.handler.js';
import { MailSender } from './infrastructure/mail-sender.js';
import { NotificationsController } from './interface/http/notifications.controller.js';

/** Email (nodemailer over SMTP) and in-app notifications for what other modules announce in their events. */
@Module({
  controllers: [NotificationsController],
  providers: [MailSender, SendWelcomeMailOnUserCreated, SendPasswordChangedMail, NotifyOnImportCompleted],
})
export class NotificationsModule {}
