import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bull';
import { AppConfig } from '#libs/config/app-config.js';
import { collectedGauge, jobDuration } from '#libs/metrics/metrics.js';
import { QueueRegistry } from './queue-registry.js';

/**
 * Metrics read on each scrape (queue depth, outbox lag, dead letters) and the job latency histogram,
 * observed in the processes that run jobs.
 */
@Injectable()
export class OpsMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger(OpsMetrics.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly queues: QueueRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    collectedGauge('cit_queue_jobs', 'Jobs per queue and state, read from Redis on each scrape', ['queue', 'state'], async (gauge) => {
      for (const queue of this.queues.all()) {
        const counts = await queue.getJobCounts();
        for (const [state, count] of Object.entries(counts)) gauge.set({ queue: queue.name, state }, count);
      }
    });
    collectedGauge('cit_outbox_pending_messages', 'Outbox messages not yet relayed to the queue', [], async (gauge) => {
      const [row] = await this.sql<{ count: string }>(`select count(*) as count from outbox_messages where dispatched_at is null`);
      gauge.set(Number(row.count));
    });
    collectedGauge('cit_outbox_lag_seconds', 'Age of the oldest outbox message not yet relayed (0 when none)', [], async (gauge) => {
      const [row] = await this.sql<{ age: number | null }>(
        `select extract(epoch from now() - min(occurred_at))::float8 as age from outbox_messages where dispatched_at is null`,
      );
      gauge.set(Number(row.age ?? 0));
    });
    collectedGauge(
      'cit_outbox_undelivered_messages',
      'Outbox messages relayed but not delivered to every subscriber, counted from ten minutes after relaying (then the relay queues them again)',
      [],
      async (gauge) => {
        const [row] = await this.sql<{ count: string }>(
          `select count(*) as count from outbox_messages where delivered_at is null and dispatched_at < now() - interval '10 minutes'`,
        );
        gauge.set(Number(row.count));
      },
    );
    collectedGauge('cit_dead_letters', 'Events whose delivery failed every attempt and that were not retried', [], async (gauge) => {
      const [row] = await this.sql<{ count: string }>(`select count(*) as count from dead_letters where status = 'dead'`);
      gauge.set(Number(row.count));
    });

    if (this.config.role !== 'api') {
      for (const queue of this.queues.all()) {
        const observe = (result: string) => (job: Job) => {
          const end = job.finishedOn ?? Date.now();
          if (job.timestamp) jobDuration.observe({ queue: queue.name, result }, Math.max(0, end - job.timestamp) / 1000);
        };
        queue.on('completed', observe('completed'));
        queue.on('failed', observe('failed'));
      }
    }
    this.logger.debug({ msg: 'metrics registered', queues: this.queues.all().map((q) => q.name) });
  }

  private sql<T extends object>(query: string): Promise<T[]> {
    return this.orm.em.fork().execute<T[]>(query);
  }
}
