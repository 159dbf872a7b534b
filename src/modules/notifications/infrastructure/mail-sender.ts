import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { AppConfig } from '#libs/config/app-config.js';
import { mailDeliveries } from '#libs/metrics/metrics.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Lets a receiving system recognise a resend of the same message. */
  messageId?: string;
}

/** Sends mail over SMTP (SMTP_URL, or the built-in catcher) with nodemailer and a pooled connection. */
@Injectable()
export class MailSender implements OnApplicationShutdown {
  private readonly logger = new Logger(MailSender.name);
  private readonly transport: Transporter;

  constructor(config: AppConfig) {
    this.transport = nodemailer.createTransport(config.smtpUrl!, { from: config.mailFrom });
  }

  async send(mail: OutgoingMail): Promise<void> {
    let info: { messageId: string };
    try {
      info = await this.transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
      });
    } catch (error) {
      mailDeliveries.inc({ status: 'failed' });
      throw error;
    }
    mailDeliveries.inc({ status: 'sent' });
    this.logger.log({ msg: 'mail sent', to: mail.to, subject: mail.subject, messageId: info.messageId });
  }

  onApplicationShutdown() {
    this.transport.close();
  }
}
