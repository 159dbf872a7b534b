import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '#libs/config/app-config.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { QueueRegistry } from './queue-registry.js';

export interface WorkerBeat {
  workerId: string;
  host: string;
  pid: number;
  at: string;
  queues: string[];
}

/**
 * A worker (ROLE=worker or all) proves it is alive every WORKER_HEARTBEAT_INTERVAL_MS: it pings the
 * queues' own Redis connections and, when they answer, writes a heartbeat key in Redis
 * (`<prefix>:workers:<id>`) that expires after three intervals. Its readiness (HEALTH_PORT) fails when the
 * queue connection is down or the last heartbeat is older than three intervals; the API's /health/ready
 * lists the workers whose key is alive.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  readonly workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private paused = false;
  lastBeatAt?: number;
  lastError?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly queues: QueueRegistry,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  get enabled(): boolean {
    return this.config.role !== 'api';
  }

  onApplicationBootstrap() {
    if (!this.enabled) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.ops.heartbeatIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.enabled) await this.redis.del(this.key(this.workerId)).catch(() => {});
  }

  /** For tests and operators: stop beating (the worker then reports itself not ready). */
  pause(paused: boolean) {
    this.paused = paused;
  }

  /** The heartbeat is fresh when it is younger than three intervals. */
  isFresh(now = Date.now()): boolean {
    return this.lastBeatAt !== undefined && now - this.lastBeatAt <= 3 * this.config.ops.heartbeatIntervalMs;
  }

  /** Pings the Redis connection of every queue this worker consumes. */
  async pingQueues(): Promise<void> {
    await Promise.all(this.queues.all().map((queue) => queue.client.ping()));
  }

  async beat(): Promise<void> {
    if (this.paused) return;
    try {
      await this.pingQueues();
      const beat: WorkerBeat = {
        workerId: this.workerId,
        host: hostname(),
        pid: process.pid,
        at: new Date().toISOString(),
        queues: this.queues.all().map((q) => q.name),
      };
      await this.redis.set(this.key(this.workerId), JSON.stringify(beat), 'PX', 3 * this.config.ops.heartbeatIntervalMs);
      this.lastBeatAt = Date.now();
      this.lastError = undefined;
    } catch (error) {
      this.lastError = String((error as Error)?.message ?? error);
      this.logger.warn({ msg: 'worker heartbeat failed', error: this.lastError });
    }
  }

  /** Workers whose heartbeat key has not expired (read by the API's readiness). */
  async liveWorkers(): Promise<WorkerBeat[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', this.key('*'), 'COUNT', 200);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerBeat);
  }

  private key(id: string): string {
    return `${this.config.queuePrefix}:workers:${id}`;
  }
}
