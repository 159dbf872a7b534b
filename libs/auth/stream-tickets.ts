import { applyDecorators, Global, Injectable, Module, SetMetadata } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import { registerMessages } from '#libs/i18n/i18n.js';
import { InjectRedis } from '#libs/redis/redis.module.js';

registerMessages({
  en: { 'COMMON.STREAM_TICKET_INVALID': 'The stream ticket is unknown, expired, already used or for another stream. Ask for a new one.' },
  nl: { 'COMMON.STREAM_TICKET_INVALID': 'Het stream-ticket is onbekend, verlopen, al gebruikt of voor een andere stream. Vraag een nieuw ticket aan.' },
});

export const STREAM_TICKET_ROUTE = Symbol('stream-ticket-route');
/** Set on a route whose tickets open one response only (a file download), never a reconnect. */
export const SINGLE_USE_TICKET_ROUTE = Symbol('single-use-ticket-route');

/** The resource a ticket opens, from the route parameters (e.g. `import:<id>`). */
export type StreamTicketResource = (params: Record<string, string | undefined>) => string;

/**
 * The route also accepts `?ticket=` (from StreamTickets.issue for the same resource) instead of a bearer
 * token: a browser's EventSource cannot send an Authorization header, nor can a plain link that lets the browser
 * download a large file itself (streamed to disk, with its own progress). `singleUse`: the ticket is used up by
 * the first request (a download link in the history opens nothing); otherwise an EventSource may reconnect.
 */
export const AcceptsStreamTicket = (resource: StreamTicketResource, options: { singleUse?: boolean } = {}) =>
  options.singleUse ? applyDecorators(SetMetadata(STREAM_TICKET_ROUTE, resource), SetMetadata(SINGLE_USE_TICKET_ROUTE, true)) : SetMetadata(STREAM_TICKET_ROUTE, resource);

const TICKET = /^[A-Za-z0-9_-]{43}$/;

/** After a stream ends, its EventSource may reconnect with the same ticket for this long (beyond the stream's lifetime). */
const RECONNECT_GRACE_SECONDS = 60;

/**
 * Atomically: the ticket for this resource (else it is used up), not open on another stream right now
 * (a lease held while a stream it opened is open), and from now on `redeemed`, valid for reconnects
 * for the reconnect window again, but never beyond the ticket's absolute lifetime (counted from its issue).
 * The lease holds a random value of this redemption only (ARGV[6]), so that only its own stream frees it.
 * KEYS: ticket, lease. ARGV: resource, reconnect window (s), lease lifetime (ms), now (ms), max age (ms), lease value.
 * Returns the record or nil.
 */
const REDEEM = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or record.resource ~= ARGV[1] then
  redis.call('DEL', KEYS[1])
  return false
end
local left = tonumber(record.issuedAt or 0) + tonumber(ARGV[5]) - tonumber(ARGV[4])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return false
end
if not redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[3], 'NX') then return false end
record.redeemed = true
redis.call('SET', KEYS[1], cjson.encode(record), 'EX', math.max(1, math.min(tonumber(ARGV[2]), math.ceil(left / 1000))))
return raw
`;

/**
 * Frees a lease only if it still holds this redemption's value: a stream whose lease lapsed (its process
 * stalled past the lease lifetime) and was taken by a newer stream must not free that newer stream's lease,
 * or a third stream could open on the same ticket while it is open. KEYS: lease, ticket (deleted too, if
 * given). ARGV: lease value.
 */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 1
`;

/** What a redeemed ticket was issued for. */
export interface RedeemedTicket {
  userId: string;
  /** The credential of the request that asked for the ticket: it must still hold (PrincipalCredential). */
  credential?: { tokenVersion: number; apiTokenId?: string; accessTokenId?: string };
  /** Frees the ticket for a reconnect (call when the stream it opened has closed). */
  release(): Promise<void>;
  /** Ends the ticket for good (its credential no longer holds). */
  revoke(): Promise<void>;
}

/**
 * Short-lived tickets in Redis (shared by every API process), bound to a user, the credential they
 * signed in with (token version, API token) and a resource. Only a hash of the ticket is stored.
 * - Unredeemed, a ticket lives SSE_TICKET_TTL_SECONDS.
 * - Redeeming opens one stream: while that stream is open the ticket opens nothing else (a lease, also
 *   atomic when two requests race). A ticket presented for another resource is used up.
 * - A browser's EventSource reconnects to the same URL when the server ends a stream after its lifetime:
 *   a redeemed ticket opens its own resource again within SSE_MAX_STREAM_SECONDS + 60 s of its last use,
 *   one stream at a time, and only while the credential still holds (checked by the caller at every use).
 * - Whatever its use, a ticket ends SSE_TICKET_MAX_AGE_SECONDS after it was issued: a ticket URL that
 *   leaked (a proxy log, browser history) cannot be kept alive by reconnecting; the client asks for a new one.
 */
@Injectable()
export class StreamTickets {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async issue(userId: string, resource: string, credential: { tokenVersion: number; apiTokenId?: string; accessTokenId?: string }): Promise<{ ticket: string; expiresInSeconds: number }> {
    const ticket = randomBytes(32).toString('base64url');
    const ttl = this.config.sse.ticketTtlSeconds;
    const stored = await this.redis.set(this.key(ticket), JSON.stringify({ userId, resource, credential, issuedAt: Date.now() }), 'EX', ttl, 'NX');
    if (stored !== 'OK') throw new Error('stream ticket collision');
    return { ticket, expiresInSeconds: ttl };
  }

  /** The user the ticket was issued to, if it opens this resource now; undefined otherwise. */
  async redeem(ticket: string, resource: string): Promise<RedeemedTicket | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    const key = this.key(ticket);
    const lease = `${key}:open`;
    const { maxStreamSeconds, pollIntervalMs, ticketMaxAgeSeconds } = this.config.sse;
    const reconnectWindow = maxStreamSeconds + RECONNECT_GRACE_SECONDS;
    // The lease outlives the longest stream a little, should the process die holding it.
    const leaseMs = maxStreamSeconds * 1000 + pollIntervalMs + 5000;
    const holder = randomBytes(16).toString('base64url');
    const raw = (await this.redis.eval(REDEEM, 2, key, lease, resource, reconnectWindow, leaseMs, Date.now(), ticketMaxAgeSeconds * 1000, holder)) as
      | string
      | null;
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as { userId?: unknown; credential?: { tokenVersion?: unknown; apiTokenId?: unknown; accessTokenId?: unknown } };
    const release = async () => void (await this.redis.eval(RELEASE, 1, lease, holder));
    const revoke = async () => void (await this.redis.eval(RELEASE, 2, lease, key, holder));
    if (typeof stored.userId !== 'string') {
      await revoke();
      return undefined;
    }
    const credential =
      stored.credential && typeof stored.credential.tokenVersion === 'number'
        ? {
            tokenVersion: stored.credential.tokenVersion,
            ...(typeof stored.credential.apiTokenId === 'string' ? { apiTokenId: stored.credential.apiTokenId } : {}),
            ...(typeof stored.credential.accessTokenId === 'string' ? { accessTokenId: stored.credential.accessTokenId } : {}),
          }
        : undefined;
    return { userId: stored.userId, credential, release, revoke };
  }

  private key(ticket: string): string {
    return `${this.config.queuePrefix}:stream-ticket:${createHash('sha256').update(ticket).digest('hex')}`;
  }
}

@Global()
@Module({ providers: [StreamTickets], exports: [StreamTickets] })
export class StreamTicketsModule {}
