import { randomUUID } from 'node:crypto';
import type { SMTPServer } from 'smtp-server';
import { findFreePort } from './free-port.js';
import { parseMail, type ParsedMail } from './mime.js';

export interface CaughtMail extends ParsedMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  size: number;
}

/**
 * A real SMTP server on localhost that keeps the last mails in memory, so a local installation and the
 * tests see exactly what nodemailer sent over the wire.
 */
export class MailCatcher {
  private readonly caught: CaughtMail[] = [];
  private server?: SMTPServer;
  private waiters: { predicate: (mail: CaughtMail) => boolean; resolve: (mail: CaughtMail) => void }[] = [];
  port = 0;

  constructor(private readonly capacity = 1000) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(port?: number): Promise<void> {
    this.port = port ?? (await findFreePort());
    // Loaded on demand: processes that send to a real SMTP server never carry the catcher's code.
    const { SMTPServer: Server } = await import('smtp-server');
    this.server = new Server({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 50 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const mail: CaughtMail = {
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            size: raw.length,
            ...parseMail(raw),
          };
          this.caught.unshift(mail);
          if (this.caught.length > this.capacity) this.caught.pop();
          this.waiters = this.waiters.filter((w) => (w.predicate(mail) ? (w.resolve(mail), false) : true));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Newest first. */
  list(): CaughtMail[] {
    return [...this.caught];
  }

  get(id: string): CaughtMail | undefined {
    return this.caught.find((mail) => mail.id === id);
  }

  waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs = 10_000): Promise<CaughtMail> {
    const existing = this.caught.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching mail arrived in time')), timeoutMs);
      this.waiters.push({ predicate, resolve: (mail) => (clearTimeout(timer), resolve(mail)) });
    });
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
