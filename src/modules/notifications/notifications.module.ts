import { Module } from '@nestjs/common';
import './domain/messages.js';
import { SendWelcomeMailOnUserCreated } from './application/event-handlers/send-welcome-mail-on-user-created.handler.js';
import { MailSender } from './infrastructure/mail-sender.js';

/** Email (nodemailer over SMTP) for what other modules announce in their events. */
@Module({
  providers: [MailSender, SendWelcomeMailOnUserCreated],
})
export class NotificationsModule {}
