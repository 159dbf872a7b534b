import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { randomUUID } from 'node:crypto';
import { buildMimeMessage } from './mime-message.js';
import { AppConfig } from '#libs/config/app-config.js';
import { mailDeliveries } from '#libs/metrics/metrics.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Lets a receiving system recognise a resend of the same message. */
  messageId?: string;
}

export interface SmtpAccept {
  messageId: string;
  /** The server's reply to the end of DATA, e.g. "250 OK: queued as ...". */
  response: string;
}

/**
 * Sends mail over SMTP (SMTP_URL, or the built-in catcher) with nodemailer and a pool of MAIL_POOL_SIZE
 * connections that stay open between mails. The pool never re-sends a message by itself
 * (maxRequeues 0): whether a mail went out is decided by the delivery log, not inside the transport.
 */
@Injectable()
export class MailSender implements OnApplicationShutdown {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly envelopeFrom: string;

  constructor(config: AppConfig) {
    this.from = config.mailFrom;
    this.envelopeFrom = /<([^>]+)>\s*$/.exec(config.mailFrom)?.[1] ?? config.mailFrom;
    this.transport = nodemailer.createTransport(
      {
        url: config.smtpUrl!,
        pool: true,
        maxConnections: config.mail.poolSize,
        maxMessages: Infinity,
        maxRequeues: 0,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
      } as TransportOptions,
      { from: config.mailFrom },
    );
  }

  /** Resolves once the server accepted the mail (its 250 reply); rejects otherwise. */
  async send(mail: OutgoingMail): Promise<SmtpAccept> {
    // The message is built in memory first and handed over whole: streamed by the transport part by
    // part, one mail took dozens of socket writes, which cost more CPU than everything else it needs.
    const messageId = mail.messageId ?? `<${randomUUID()}@credential-import>`;
    const raw =
      buildMimeMessage({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html ?? '', messageId }) ??
      (await new MailComposer({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId }).compile().build());
    try {
      const info = await this.transport.sendMail({ envelope: { from: this.envelopeFrom, to: [mail.to] }, raw, messageId });
      mailDeliveries.inc({ status: 'sent' });
      return { messageId, response: String(info.response ?? '') };
    } catch (error) {
      mailDeliveries.inc({ status: 'failed' });
      throw error;
    }
  }

  onApplicationShutdown() {
    this.transport.close();
  }
}
