import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
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
    const { batchSize, maxAttempts, retryDelayMs } = this.config.mail;
    const jobs: { data: MailJob; opts: object }[] = [];
    for (let start = 0; start < deliveryIds.length; start += batchSize) {
      jobs.push({
        data: { deliveryIds: deliveryIds.slice(start, start + batchSize) },
        opts: { attempts: maxAttempts, backoff: { type: 'exponential', delay: retryDelayMs }, removeOnComplete: true, removeOnFail: 1000 },
      });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
  }
}
