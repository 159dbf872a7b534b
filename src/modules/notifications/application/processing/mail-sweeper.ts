import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { MailDeliveryLog } from '../../infrastructure/mail-delivery-log.js';
import { MailQueue } from './mail-queue.js';

/**
 * Worker side: finds deliveries whose job is gone and enqueues them again. A delivery stays 'queued'
 * without a job when the process died between the inbox commit and the enqueue (or Redis lost its jobs);
 * one stays 'sending' when its worker died while sending (its lease runs out). Both are safe to hand out
 * again: the claim lets only one worker have a delivery, and a sent one is never claimed. A queued one
 * whose job is merely waiting behind a backlog gets at most one extra job (stable job ids per delivery).
 */
@Injectable()
export class MailSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly log: MailDeliveryLog,
    private readonly queue: MailQueue,
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api' || this.config.mail.sweepIntervalMs === 0) return;
    this.schedule(Math.min(this.config.mail.sweepIntervalMs, 5000));
  }

  onApplicationShutdown() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass; returns how many deliveries it enqueued again. */
  async sweepOnce(): Promise<number> {
    const { requeueAfterSeconds, maxAttempts } = this.config.mail;
    const deliveries = await this.log.sweep(requeueAfterSeconds, maxAttempts);
    if (deliveries.length === 0) return 0;
    await this.queue.enqueueAgain(deliveries);
    this.logger.log({ msg: 'mail deliveries enqueued again', count: deliveries.length });
    return deliveries.length;
  }

  private schedule(delayMs: number) {
    this.timer = setTimeout(() => {
      this.sweepOnce()
        .catch((error) => this.logger.error({ msg: 'mail sweep failed; will retry', error: String(error) }))
        .finally(() => {
          if (this.timer) this.schedule(this.config.mail.sweepIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
