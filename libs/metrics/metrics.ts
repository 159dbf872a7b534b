import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry and the metrics that business code updates where things happen.
 * Metrics that are read from the database or the queues on each scrape are added by the ops module
 * (src/platform/ops/ops-metrics.ts) with `collectedGauge`.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'cit_' });

export const importRows = new Counter({
  name: 'cit_import_rows_total',
  help: 'Import rows by outcome and import type (rate() of it is rows per second)',
  labelNames: ['type', 'outcome', 'mode'] as const,
  registers: [metricsRegistry],
});

export const jobDuration = new Histogram({
  name: 'cit_queue_job_duration_seconds',
  help: 'Time from enqueueing a job to its end (wait + run), per queue and result',
  labelNames: ['queue', 'result'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [metricsRegistry],
});

export const mailDeliveries = new Counter({
  name: 'cit_mail_deliveries_total',
  help: 'Mails handed to SMTP, by status (sent, failed)',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const httpDuration = new Histogram({
  name: 'cit_http_request_duration_seconds',
  help: 'HTTP request duration per route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** A gauge whose value is read on each scrape; replaces an earlier one of the same name (a restarted app). */
export function collectedGauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
  metricsRegistry.removeSingleMetric(name);
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      await collect(this);
    },
  });
}
