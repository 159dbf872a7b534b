import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppConfig } from '#libs/config/app-config.js';
import { metricsRegistry } from '#libs/metrics/metrics.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { probe } from '../health-checks.js';
import { mayScrape } from './metrics-access.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';

/**
 * A worker process has no HTTP server of its own. With HEALTH_PORT set (ROLE=worker, or all), it listens
 * there (on HOST) for orchestrators and Prometheus:
 *   GET /health/live   200 while the process runs
 *   GET /health/ready  200 when PostgreSQL, Redis and the queue connection answer and the heartbeat is fresh, else 503
 *   GET /metrics       the worker's own metrics (import rows, job latency, mails), same access rule as the API's
 * Responses carry reason codes only; details go to the log.
 */
@Injectable()
export class WorkerHealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHealthServer.name);
  private server?: Server;
  port?: number;

  constructor(
    private readonly config: AppConfig,
    private readonly orm: MikroORM,
    @InjectRedis() private readonly redis: Redis,
    private readonly heartbeat: WorkerHeartbeat,
  ) {}

  async onApplicationBootstrap() {
    if (this.config.role === 'api' || this.config.ops.healthPort === undefined) return;
    this.server = createServer((request, response) => {
      void this.handle(request.url ?? '/', request, response).catch((error) => {
        this.logger.error({ msg: 'health listener failed', error: String(error) });
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.ops.healthPort, this.config.host, () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.config.ops.healthPort;
    this.logger.log({ msg: 'worker health listener', port: this.port });
  }

  async onApplicationShutdown() {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async readiness() {
    const log = (entry: object) => this.logger.warn(entry);
    const [database, redis, queue] = await Promise.all([
      probe('database', () => this.orm.em.fork().execute('select 1'), log),
      probe('redis', () => this.redis.ping(), log),
      probe('queue', () => this.heartbeat.pingQueues(), log),
    ]);
    const fresh = this.heartbeat.isFresh();
    const heartbeat = {
      status: fresh ? ('up' as const) : ('down' as const),
      lastBeatAt: this.heartbeat.lastBeatAt ? new Date(this.heartbeat.lastBeatAt).toISOString() : null,
      ...(fresh ? {} : { reason: 'HEARTBEAT_STALE' }),
    };
    const up = database.status === 'up' && redis.status === 'up' && queue.status === 'up' && fresh;
    return { status: up ? 'up' : 'down', workerId: this.heartbeat.workerId, checks: { database, redis, queue, heartbeat } };
  }

  private async handle(url: string, request: IncomingMessage, response: ServerResponse) {
    const path = url.split('?')[0];
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (request.method !== 'GET') return json(405, { status: 405 });
    if (path === '/health/live') return json(200, { status: 'up', workerId: this.heartbeat.workerId });
    if (path === '/health/ready') {
      const ready = await this.readiness();
      return json(ready.status === 'up' ? 200 : 503, ready);
    }
    if (path === '/metrics') {
      if (!mayScrape(request, this.config)) {
        response.setHeader('www-authenticate', 'Bearer');
        return json(401, { status: 401, code: 'OPS.METRICS_REFUSED' });
      }
      response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(await metricsRegistry.metrics());
      return;
    }
    return json(404, { status: 404 });
  }
}
