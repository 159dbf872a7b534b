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
  /** Mails received per envelope recipient since the catcher was made (not capped, across restarts). */
  private readonly receivedBy = new Map<string, number>();
  /** Mails received since the catcher was made (not capped, across restarts). */
  received = 0;
  /** Recipients this returns true for are refused with 550 (a mailbox that does not exist). */
  rejectRecipient: (address: string) => boolean = () => false;
  /** How long the server takes to accept each mail after its data arrived (a slow server); 0 by default. */
  acceptDelayMs = 0;
  port = 0;

  constructor(private readonly capacity = 1000) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Listens on `port`, or on a free port; after stop(), start(catcher.port) listens on the same one again. */
  async start(port?: number): Promise<void> {
    if (this.server) throw new Error('the mail catcher is already running');
    this.port = port ?? (await findFreePort());
    // Loaded on demand: processes that send to a real SMTP server never carry the catcher's code.
    const { SMTPServer: Server } = await import('smtp-server');
    this.server = new Server({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 50 * 1024 * 1024,
      // On stop, open connections get a few moments to finish the mail they are sending, then a 421 and
      // the end of the connection, as a real server that is shut down does.
      closeTimeout: 200,
      onRcptTo: (address, _session, callback) => {
        if (!this.rejectRecipient(address.address)) return callback();
        callback(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => setTimeout(accept, this.acceptDelayMs));
        const accept = () => {
          const raw = Buffer.concat(chunks);
          const mail: CaughtMail = {
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            size: raw.length,
            ...parseMail(raw),
          };
          this.received++;
          for (const to of mail.envelopeTo) this.receivedBy.set(to, (this.receivedBy.get(to) ?? 0) + 1);
          this.caught.unshift(mail);
          if (this.caught.length > this.capacity) this.caught.pop();
          this.waiters = this.waiters.filter((w) => (w.predicate(mail) ? (w.resolve(mail), false) : true));
          callback();
        };
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** How many mails this address received (envelope recipient), however many the catcher still keeps. */
  countFor(address: string): number {
    return this.receivedBy.get(address) ?? 0;
  }

  /** Every envelope recipient and how many mails it received. */
  counts(): Map<string, number> {
    return new Map(this.receivedBy);
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

  /** Stops listening and ends open connections (after a short grace); start() again takes the same port. */
  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Stops and starts again on the same port, keeping what it caught: a mail server restart. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start(this.port);
  }
}
