import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { DomainError } from '#libs/errors/domain-error.js';
import { throttleAddressGroup } from '../client-address.js';

/**
 * Paths with a limit of their own or none: health probes (load balancers poll them), the metrics scrape,
 * and sign-in, which has its own per-account and per-address throttling in the Users module. Limiting
 * sign-in here as well would answer 429 with a different Retry-After than the one the login limit gives.
 */
export const RATE_LIMIT_EXEMPT = [/^\/health(\/|$)/, /^\/metrics(\/|$)/, /^\/api\/auth\/login$/];

/**
 * Whether a request path is exempt, matched the way the router matches routes: case-insensitive and with or
 * without trailing slashes (`/API/Auth/Login/` reaches the login route, so it is exempt too). Query string dropped.
 */
export function isRateLimitExempt(path: string): boolean {
  const normalised = (path.split('?')[0] ?? '').toLowerCase().replace(/\/+$/, '') || '/';
  return RATE_LIMIT_EXEMPT.some((pattern) => pattern.test(normalised));
}

/**
 * The general rate limit: requests per principal (the authenticated user id, else the client address)
 * per window, counted in Redis. Registered after the authentication guard, so the principal is known; requests
 * that authentication refuses are counted per address by UnauthenticatedLimitMiddleware instead.
 * Over the limit: 429 problem+json with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    return isRateLimitExempt(request.path);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of ThrottlerGuard.getTracker
  protected override async getTracker(request: Record<string, any>): Promise<string> {
    const userId = (request as { principal?: { userId?: string } }).principal?.userId;
    if (userId) return `user:${userId}`;
    return `ip:${throttleAddressGroup(await super.getTracker(request))}`;
  }

  // One bucket per principal for the whole API, not one per route.
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new DomainError('COMMON.TOO_MANY_REQUESTS', 'too_many_requests', { retryAfterSeconds: Math.max(1, detail.timeToBlockExpire) });
  }
}
