import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import { REDIS } from '#libs/redis/redis.module.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { UnauthenticatedLimitMiddleware } from './unauthenticated-limit.middleware.js';

/**
 * The general per-principal rate limit (RATE_LIMIT_*). Import it in the root module AFTER the module that
 * registers the authentication guard: global guards run in registration order, and the limit keys on the
 * principal that guard sets. Requests the authentication guard refuses are limited per address by
 * UnauthenticatedLimitMiddleware, which runs before every guard.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', limit: config.ops.rateLimitMax, ttl: config.ops.rateLimitWindowSeconds * 1000 }],
        skipIf: () => !config.ops.rateLimitEnabled,
        storage: new RedisThrottlerStorage(redis, `${config.queuePrefix}:ratelimit`),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(UnauthenticatedLimitMiddleware).forRoutes('*');
  }
}
