import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';
import { reviveJobs } from '#libs/redis/revive-job.js';

export const MAIL_QUEUE = 'mail';
/** Bull's name for jobs added without one (the mail queue's jobs). */
const DEFAULT_JOB_NAME = '__default__';
/** Each check costs several Redis round trips (one scans the wait list): a pass checks the oldest few. */
const MAX_REVIVED_PER_PASS = 200;

/** Send these deliveries (at most MAIL_BATCH_SIZE): one job per batch, not one per mail. */
export interface MailJob {
  deliveryIds: string[];
}

/**
 * Puts deliveries on the `mail` queue in batches. A job carries only ids: the delivery log says what to
 * send and whether it went already, so the same id in two jobs (the sweeper's, a retry) still sends once.
 */
@Injectable()
export class MailQueue {
  constructor(
    private readonly config: AppConfig,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<MailJob>,
  ) {}

  async enqueue(deliveryIds: string[]): Promise<void> {
    const { batchSize } = this.config.mail;
    const jobs: { data: MailJob; opts: JobOptions }[] = [];
    for (let start = 0; start < deliveryIds.length; start += batchSize) {
      jobs.push({ data: { deliveryIds: deliveryIds.slice(start, start + batchSize) }, opts: { ...this.options(), removeOnFail: 1000 } });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
  }

  /**
   * The sweeper's enqueue: one job per delivery with a stable id (delivery and attempt), so a delivery
   * whose job is only waiting behind a backlog gets at most one more, however many passes see it queued.
   * Removed when done or failed, so that a later pass can add it again if the delivery is still queued.
   */
  async enqueueAgain(deliveries: { id: string; attempts: number; long_waiting?: boolean }[]): Promise<void> {
    if (deliveries.length === 0) return;
    const jobs = deliveries.map((d) => ({
      name: DEFAULT_JOB_NAME,
      data: { deliveryIds: [d.id] },
      opts: { ...this.options(), jobId: `again:${d.id}:${d.attempts}`, removeOnFail: true },
      longWaiting: d.long_waiting === true,
    }));
    // A delivery queued for long may be held by a remnant of a Redis flush (its job id taken by a hash
    // that can never run): those are checked one by one and replaced; the rest are added (Bull skips the
    // ids it has, so a job waiting behind a backlog is not doubled).
    const suspect = jobs.filter((job) => job.longWaiting).slice(0, MAX_REVIVED_PER_PASS);
    const checked = new Set(suspect);
    await this.queue.addBulk(jobs.filter((job) => !checked.has(job)).map(({ data, opts }) => ({ data, opts })));
    await reviveJobs(this.queue, suspect.map(({ name, data, opts }) => ({ name, data, opts })), (data) => Array.isArray(data?.deliveryIds));
  }

  private options(): JobOptions {
    const { maxAttempts, retryDelayMs } = this.config.mail;
    return { attempts: maxAttempts, backoff: { type: 'exponential', delay: retryDelayMs }, removeOnComplete: true };
  }
}
