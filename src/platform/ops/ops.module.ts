import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RateLimitModule } from '#libs/http/rate-limit/rate-limit.module.js';
import { MetricsController } from './metrics.controller.js';
import { OpsController } from './ops.controller.js';
import { OpsMetrics } from './ops-metrics.js';
import { QueueRegistry } from './queue-registry.js';
import { WorkerHealthServer } from './worker-health.server.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';

/**
 * Operations: the general rate limit, metrics, the queue dashboard session, dead letters, worker
 * heartbeat and health listener. Import it after UsersModule (the rate limit keys on the principal).
 */
@Module({
  imports: [DiscoveryModule, RateLimitModule],
  controllers: [OpsController, MetricsController],
  providers: [QueueRegistry, OpsMetrics, WorkerHeartbeat, WorkerHealthServer],
  exports: [QueueRegistry, WorkerHeartbeat, WorkerHealthServer],
})
export class OpsModule {}
