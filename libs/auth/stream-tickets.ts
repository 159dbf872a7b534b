import { Global, Injectable, Module, SetMetadata } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { registerMessages } from '../i18n/i18n.js';
import { InjectRedis } from '../redis/redis.module.js';

registerMessages({
  en: { 'COMMON.STREAM_TICKET_INVALID': 'The stream ticket is unknown, expired, already used or for another stream. Ask for a new one.' },
  nl: { 'COMMON.STREAM_TICKET_INVALID': 'Het stream-ticket is onbekend, verlopen, al gebruikt of voor een andere stream. Vraag een nieuw ticket aan.' },
});

export const STREAM_TICKET_ROUTE = Symbol('stream-ticket-route');

/** The resource a ticket opens, from the route parameters (e.g. `import:<id>`). */
export type StreamTicketResource = (params: Record<string, string | undefined>) => string;

/**
 * The route also accepts `?ticket=` (from StreamTickets.issue for the same resource) instead of a bearer
 * token. Only for Server-Sent Events routes: a browser's EventSource cannot send an Authorization header.
 */
export const AcceptsStreamTicket = (resource: StreamTicketResource) => SetMetadata(STREAM_TICKET_ROUTE, resource);

const TICKET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Short-lived, one-time tickets in Redis (shared by every API process), bound to a user and a resource.
 * Only a hash of the ticket is stored. Redeeming deletes it (GETDEL), so a ticket opens one stream once,
 * even when two requests race; a ticket presented for another resource is used up as well.
 */
@Injectable()
export class StreamTickets {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async issue(userId: string, resource: string): Promise<{ ticket: string; expiresInSeconds: number }> {
    const ticket = randomBytes(32).toString('base64url');
    const ttl = this.config.sse.ticketTtlSeconds;
    const stored = await this.redis.set(this.key(ticket), JSON.stringify({ userId, resource }), 'EX', ttl, 'NX');
    if (stored !== 'OK') throw new Error('stream ticket collision');
    return { ticket, expiresInSeconds: ttl };
  }

  /** The user the ticket was issued to, if it is valid for this resource; undefined otherwise. */
  async redeem(ticket: string, resource: string): Promise<string | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    const raw = await this.redis.getdel(this.key(ticket));
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as { userId?: unknown; resource?: unknown };
    return stored.resource === resource && typeof stored.userId === 'string' ? stored.userId : undefined;
  }

  private key(ticket: string): string {
    return `${this.config.queuePrefix}:stream-ticket:${createHash('sha256').update(ticket).digest('hex')}`;
  }
}

@Global()
@Module({ providers: [StreamTickets], exports: [StreamTickets] })
export class StreamTicketsModule {}
