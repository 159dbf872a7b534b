import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { REDIS } from '#libs/redis/redis.module.js';
import { RATE_LIMIT_EXEMPT } from './rate-limit.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** The bucket of refused authentications, apart from the per-principal buckets of the general limit. */
export const UNAUTHENTICATED_THROTTLER = 'unauthenticated';

/**
 * The general limit keys on the principal and runs after the authentication guard, so requests with a bad or
 * unknown bearer token (each `cit_...` token costs a database lookup) never reached it. This middleware runs
 * before every guard: it counts the requests authentication refused (401) per client address in the same Redis
 * limiter (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_SECONDS), and once an address is over, answers its requests
 * with 429 before any token is looked up, until the window ends. Sign-in is exempt: it has its own throttling.
 */
@Injectable()
export class UnauthenticatedLimitMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RateLimit');
  private readonly storage: RedisThrottlerStorage;

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.storage = new RedisThrottlerStorage(redis, `${config.queuePrefix}:ratelimit`);
  }

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    const { rateLimitEnabled, rateLimitMax, rateLimitWindowSeconds } = this.config.ops;
    const path = request.originalUrl.split('?')[0];
    if (!rateLimitEnabled || RATE_LIMIT_EXEMPT.some((pattern) => pattern.test(path))) return next();
    const key = `ip:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
    const blockedMs = await this.storage.blockedFor(key, UNAUTHENTICATED_THROTTLER);
    if (blockedMs > 0) throw new DomainError('COMMON.TOO_MANY_REQUESTS', 'too_many_requests', { retryAfterSeconds: Math.max(1, Math.ceil(blockedMs / 1000)) });
    response.on('finish', () => {
      if (response.statusCode !== 401) return;
      const windowMs = rateLimitWindowSeconds * 1000;
      this.storage.increment(key, windowMs, rateLimitMax, windowMs, UNAUTHENTICATED_THROTTLER).catch((error: unknown) => {
        this.logger.warn(`could not count a refused authentication: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    next();
  }
}
