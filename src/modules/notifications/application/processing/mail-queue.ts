import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';

export const MAIL_QUEUE = 'mail';

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
  async enqueueAgain(deliveries: { id: string; attempts: number }[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.queue.addBulk(
      deliveries.map((d) => ({ data: { deliveryIds: [d.id] }, opts: { ...this.options(), jobId: `again:${d.id}:${d.attempts}`, removeOnFail: true } })),
    );
  }

  private options(): JobOptions {
    const { maxAttempts, retryDelayMs } = this.config.mail;
    return { attempts: maxAttempts, backoff: { type: 'exponential', delay: retryDelayMs }, removeOnComplete: true };
  }
}
