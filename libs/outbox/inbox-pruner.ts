import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { DeadLetters } from './dead-letters.js';

const PRUNE_INTERVAL_MS = 60 * 60_000;
const FIRST_PRUNE_DELAY_MS = 60_000;

/**
 * Worker side: deletes inbox rows (processed_events) older than INBOX_RETENTION_DAYS once an hour.
 * An event is relayed within seconds and retried for minutes, so a row that old guards nothing; deleting
 * it is idempotent, so several workers may prune at once.
 */
@Injectable()
export class InboxPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxPruner.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly deadLetters: DeadLetters,
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    this.schedule(FIRST_PRUNE_DELAY_MS);
  }

  onApplicationShutdown() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async pruneOnce(): Promise<number> {
    const deleted = await this.deadLetters.pruneInbox();
    if (deleted > 0) this.logger.log({ msg: 'inbox pruned', deleted, retentionDays: this.config.ops.inboxRetentionDays });
    return deleted;
  }

  private schedule(delayMs: number) {
    this.timer = setTimeout(() => {
      this.pruneOnce()
        .catch((error) => this.logger.error({ msg: 'inbox pruning failed; will retry', error: String(error) }))
        .finally(() => {
          if (this.timer) this.schedule(PRUNE_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
