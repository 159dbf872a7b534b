import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { AccessTokens } from '#libs/auth/access-tokens.js';
import { AppConfig } from '#libs/config/app-config.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { REDIS } from '#libs/redis/redis.module.js';
import { throttleAddressGroup } from '../client-address.js';
import { isRateLimitExempt } from './rate-limit.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** The bucket of refused authentications, apart from the per-principal buckets of the general limit. */
export const UNAUTHENTICATED_THROTTLER = 'unauthenticated';

/**
 * The general limit keys on the principal and runs after the authentication guard, so requests with a bad or
 * unknown bearer token (each `cit_...` token costs a database lookup) never reached it. This middleware runs
 * before every guard and counts refused authentications per client address (IPv6: per /64, see
 * throttleAddressGroup) in the same Redis limiter (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_SECONDS):
 * - A request with an Authorization header is counted BEFORE it is processed, and the hit is given back when
 *   the answer is not 401. So a concurrent burst is cut at the limit (counting only after the answer let every
 *   request of the burst through, each with its token lookup).
 * - A request without one (nothing to look up) is counted after the answer, when it is 401.
 * - Once an address is over, its requests are answered 429 before any token is looked up, until the window
 *   ends, EXCEPT requests carrying an access token whose signature and expiry hold (an HMAC check, no database):
 *   one client sending bad tokens from a shared address (a NAT, or a load balancer the TRUST_PROXY setting does
 *   not trust) must not lock every signed-in user behind that address out of the API.
 * Sign-in is exempt (with or without trailing slash, any case): it has its own throttling.
 */
@Injectable()
export class UnauthenticatedLimitMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RateLimit');
  private readonly storage: RedisThrottlerStorage;
  private readonly accessTokens: AccessTokens;

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.storage = new RedisThrottlerStorage(redis, `${config.queuePrefix}:ratelimit`);
    // Only verify() is used here: the lifetime given is irrelevant to checking a signature and an expiry.
    this.accessTokens = new AccessTokens(config.authTokenSecret, config.accessTokenTtlSeconds);
  }

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    const { rateLimitEnabled, rateLimitMax, rateLimitWindowSeconds } = this.config.ops;
    if (!rateLimitEnabled || isRateLimitExempt(request.originalUrl)) return next();
    const key = `ip:${throttleAddressGroup(request.ip ?? request.socket.remoteAddress ?? 'unknown')}`;
    const windowMs = rateLimitWindowSeconds * 1000;
    const authorization = request.headers.authorization;
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const signedAccessToken = bearer !== undefined && this.accessTokens.verify(bearer) !== undefined;

    if (signedAccessToken) {
      // Cannot be forged without the secret: served even while the address is blocked. Still counted when
      // refused (a token ended by a password change), like a request without a token.
      this.countWhenRefused(response, key, windowMs, rateLimitMax);
      return next();
    }
    const blockedMs = await this.storage.blockedFor(key, UNAUTHENTICATED_THROTTLER);
    if (blockedMs > 0) throw tooManyRequests(blockedMs);
    if (authorization === undefined) {
      this.countWhenRefused(response, key, windowMs, rateLimitMax);
      return next();
    }
    const record = await this.storage.increment(key, windowMs, rateLimitMax, windowMs, UNAUTHENTICATED_THROTTLER);
    if (record.isBlocked) throw tooManyRequests(record.timeToBlockExpire * 1000);
    // Only a completed non-401 answer gives the hit back; an aborted request keeps it (its lookup ran).
    response.once('finish', () => {
      if (response.statusCode === 401) return;
      this.storage.giveBack(key, UNAUTHENTICATED_THROTTLER).catch((error: unknown) => this.warn('could not give back a counted authentication', error));
    });
    next();
  }

  private countWhenRefused(response: Response, key: string, windowMs: number, limit: number): void {
    response.once('finish', () => {
      if (response.statusCode !== 401) return;
      this.storage.increment(key, windowMs, limit, windowMs, UNAUTHENTICATED_THROTTLER).catch((error: unknown) => this.warn('could not count a refused authentication', error));
    });
  }

  private warn(what: string, error: unknown): void {
    this.logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function tooManyRequests(blockedMs: number): DomainError {
  return new DomainError('COMMON.TOO_MANY_REQUESTS', 'too_many_requests', { retryAfterSeconds: Math.max(1, Math.ceil(blockedMs / 1000)) });
}
