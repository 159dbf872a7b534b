import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';
import { requestContext } from '#libs/logging/request-context.js';
import { MailDeliveryLog, type ClaimedDelivery, type FailedAttempt, type SentMark } from '../../infrastructure/mail-delivery-log.js';
import { MailSender } from '../../infrastructure/mail-sender.js';
import { MailComposer, PermanentMailFailure, type LinksByDelivery } from '../mail-composer.js';
import { MAIL_QUEUE, type MailJob } from './mail-queue.js';

/** Mails of one job being prepared at once; how many are with the transport is capped per process (MAIL_POOL_SIZE). */
const PARALLEL_PER_JOB = 10;
/** Part of the lease kept free: no mail starts when less than this is left, so none is sent after it ran out. */
const LEASE_MARGIN = 0.2;

export interface MailJobResult {
  claimed: number;
  sent: number;
  failed: number;
  retrying: number;
}

/**
 * Sends the deliveries of `mail` jobs (worker role). Exactly once per delivery, with one window:
 *
 *  1. claim: the job's deliveries that are queued (or whose lease ran out) become 'sending', leased to
 *     this worker; sent ones are skipped, so a retried or duplicated job sends nothing twice;
 *  2. the batch's set-password links (one command per purpose) and review links (one command) are issued; each mail is rendered and
 *     handed to SMTP; the moment the server accepts it (250), it is logged 'sent' with the server's
 *     reply and the Message-ID (accepts that arrive while a write runs go together into the next one);
 *     A mail is handed to the transport only with a free pool connection (at most MAIL_POOL_SIZE in flight
 *     per process, over every job) and only while the claim's lease has its margin left, checked at that
 *     moment: it never waits in the pool past its lease, so none goes out after the sweeper took it back;
 *  3. mails the server did not accept go back to 'queued' (or 'failed' when permanent or out of attempts)
 *     and the job fails, so Bull retries it with exponential backoff: the retry claims only those.
 *
 * 'sent' and the give-back are written only while this claim is still the delivery's latest (its attempt
 * number fences them): a worker that was overtaken cannot undo what the new holder did.
 *
 * A server that drops its connections mid-batch therefore causes no duplicate: what it accepted is logged
 * sent, the rest is retried. The window that cannot be closed: the process dies (or the database is
 * unreachable) after the server accepted a mail and before the 'sent' write. That delivery stays
 * 'sending' until its lease runs out, and the sweeper hands it out again: the recipient gets it twice,
 * with the same Message-ID (the delivery id), which lets mail systems recognise the duplicate.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(MailWorker.name);
  private readonly marks: SentMarks;
  private readonly transportSlots: Slots;

  constructor(
    private readonly config: AppConfig,
    private readonly log: MailDeliveryLog,
    private readonly composer: MailComposer,
    private readonly sender: MailSender,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<MailJob>,
  ) {
    this.marks = new SentMarks(log);
    this.transportSlots = new Slots(config.mail.poolSize);
  }

  onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    this.queue.process(this.config.mail.jobConcurrency, (job: Job<MailJob>) =>
      requestContext.run({ requestId: `mail:${job.id}` }, () => {
        // A hash a Redis flush left without its data: nothing to send; the sweeper queues its deliveries again.
        if (!Array.isArray(job.data?.deliveryIds)) {
          this.logger.warn({ msg: 'mail job without its data dropped (a remnant of a Redis flush)', jobId: job.id });
          return Promise.resolve<MailJobResult>({ claimed: 0, sent: 0, failed: 0, retrying: 0 });
        }
        return this.send(job.data.deliveryIds);
      }),
    ).catch((error: unknown) => this.logger.warn({ msg: 'stopped taking mail jobs', error: String(error) }));
  }

  /** One attempt at a batch; throws (for Bull to retry) while some of it should be tried again. */
  async send(deliveryIds: string[]): Promise<MailJobResult> {
    const { leaseSeconds, maxAttempts } = this.config.mail;
    const claimed = await this.log.claim(deliveryIds, leaseSeconds);
    if (claimed.length === 0) return { claimed: 0, sent: 0, failed: 0, retrying: 0 };
    const lastStart = Date.now() + leaseSeconds * 1000 * (1 - LEASE_MARGIN);
    const marked: Promise<void>[] = [];
    const failures: FailedAttempt[] = [];
    let links: LinksByDelivery;
    try {
      links = await this.composer.issueLinks(claimed);
    } catch (error) {
      await this.log.release(claimed.map((d) => ({ id: d.id, attempts: d.attempts, reason: `links not issued (set-password or review): ${describe(error)}`, permanent: false })), maxAttempts);
      throw error;
    }
    const next = claimed[Symbol.iterator]();
    const sendNext = async (): Promise<void> => {
      for (let step = next.next(); !step.done; step = next.next()) {
        const failure = await this.sendOne(step.value, links, marked, lastStart);
        if (failure) failures.push(failure);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PER_JOB, claimed.length) }, sendNext));
    await this.log.release(failures, maxAttempts);
    await Promise.all(marked);
    const retrying = failures.filter((f) => !f.permanent && (f.started === false || f.attempts < maxAttempts));
    const result = { claimed: claimed.length, sent: claimed.length - failures.length, failed: failures.length - retrying.length, retrying: retrying.length };
    if (failures.length > 0) this.logger.warn({ msg: 'mails not sent', ...result, firstReason: failures[0].reason });
    if (retrying.length > 0) throw new Error(`${retrying.length} of ${claimed.length} mails will be retried: ${retrying[0].reason}`);
    return result;
  }

  private async sendOne(delivery: ClaimedDelivery, links: LinksByDelivery, marked: Promise<void>[], lastStart: number): Promise<FailedAttempt | undefined> {
    const { id, attempts } = delivery;
    let mail;
    try {
      mail = this.composer.compose(delivery, links);
    } catch (error) {
      const permanent = error instanceof PermanentMailFailure;
      if (permanent) this.logger.warn({ msg: 'mail not sent', deliveryId: id, reason: describe(error) });
      return { id, attempts, reason: permanent ? error.message : `not rendered: ${describe(error)}`, permanent };
    }
    let accept;
    const release = await this.transportSlots.take();
    try {
      if (Date.now() > lastStart) return { id, attempts, reason: 'not started: the lease was running out', permanent: false, started: false };
      accept = await this.sender.send({ to: delivery.recipient_email, ...mail, messageId: `<${id}@credential-import>` });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      return { id, attempts, reason: describe(error), permanent: code !== undefined && code >= 500 && code < 600 };
    } finally {
      release();
    }
    const written = this.marks.add({ id, attempts, response: accept.response, messageId: accept.messageId });
    written.catch(() => {}); // awaited with the others at the end of the batch
    marked.push(written);
    return undefined;
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; responseCode?: number; code?: string };
  return [e.code, e.responseCode, e.message ?? String(error)].filter((part) => part !== undefined).join(' ');
}

/** A counting semaphore: at most `size` holders; the others wait in order. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves with the function that gives the slot back, once one is free. */
  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/**
 * Writes 'sent' as soon as possible after each accept: one write at a time for the whole process, and the
 * accepts that arrive while it runs (from every job) go together into the next. A failed write is tried
 * again a few times: until it lands, the mail is in the window where a crash would send it twice.
 */
class SentMarks {
  private pending: { mark: SentMark; done: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly log: MailDeliveryLog) {}

  /** Resolves once the mark is written. */
  add(mark: SentMark): Promise<void> {
    const written = new Promise<void>((resolve, reject) => this.pending.push({ mark, done: (error) => (error ? reject(error) : resolve()) }));
    if (!this.writing) void this.drain();
    return written;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      let failure: unknown;
      try {
        await retry(() => this.log.markSent(batch.map((entry) => entry.mark)));
      } catch (error) {
        failure = error ?? new Error('the sent mark was not written');
      }
      for (const entry of batch) entry.done(failure);
    }
    this.writing = false;
  }
}

async function retry(write: () => Promise<void>, delaysMs = [100, 500, 2000, 5000]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= delaysMs.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
    }
  }
}
