import { Injectable, Logger } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import { GetPrincipalQuery, type Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { StreamSlots } from '#libs/http/stream-slots.js';
import type { Language } from '#libs/i18n/i18n.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { GetImportQuery } from '../../application/queries/import-queries.handlers.js';
import type { ImportView } from '../../application/import-views.js';
import { isRunning } from '../../domain/import-lifecycle.js';

/** How long a client waits before it reconnects after the server ended a stream (the `retry:` field). */
const RECONNECT_MS = 1000;

/** The resource a stream ticket of an import's event stream is bound to. */
export const importStreamResource = (importId: string | undefined) => `import:${importId ?? ''}`;

/** What an event carries, without what changes by itself with the clock (so an idle import sends nothing). */
function stable(view: ImportView): string {
  const { durationMs: _durationMs, rowsPerSecond: _rowsPerSecond, ...rest } = view;
  return JSON.stringify(rest);
}

/**
 * An import's live progress as Server-Sent Events.
 * - Authorised at every (re)connect: the import must be visible to the caller, type permission included;
 *   and again every heartbeat interval while open (a role that lost the permission ends the stream, and so
 *   does a password change or a revoked API token: the caller's credential is checked again too).
 * - At most SSE_MAX_STREAMS_PER_USER open streams per user across API processes (429 beyond).
 * - An event only when the import changed (not for the clock-driven durationMs); comments as heartbeats.
 * - Event ids are the import's version, which only grows: a client that reconnects with Last-Event-ID
 *   gets only what changed after it.
 * - The server ends a stream after SSE_MAX_STREAM_SECONDS with a `retry:` hint; the client reconnects.
 */
@Injectable()
export class ImportEventStream {
  private readonly logger = new Logger(ImportEventStream.name);
  private readonly slots: StreamSlots;

  constructor(
    private readonly queries: QueryBus,
    private readonly config: AppConfig,
    @InjectRedis() redis: Redis,
  ) {
    const { maxStreamsPerUser, maxStreamSeconds, pollIntervalMs } = config.sse;
    // A slot lapses a little after the longest a stream may live, should its process die holding it.
    this.slots = new StreamSlots(redis, `${config.queuePrefix}:sse-streams`, maxStreamsPerUser, maxStreamSeconds * 1000 + pollIntervalMs + 5000);
  }

  async serve(principal: Principal, importId: string, language: Language, lastEventId: number | undefined, response: Response): Promise<void> {
    let caller: Principal = principal;
    const read = () => this.queries.execute(new GetImportQuery(caller, importId, language));
    let current = await read();
    const { maxStreamsPerUser, maxStreamSeconds, pollIntervalMs, heartbeatSeconds } = this.config.sse;
    const slot = await this.slots.acquire(principal.userId);
    if (!slot) {
      throw new DomainError('IMPORTS.TOO_MANY_STREAMS', 'too_many_requests', { max: maxStreamsPerUser, retryAfterSeconds: Math.min(maxStreamSeconds, 30) });
    }
    let closed = false;
    response.on('close', () => (closed = true));
    try {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      response.write(`retry: ${RECONNECT_MS}\n\n`);
      let lastWrite = Date.now();
      const send = (event: 'progress' | 'end', view: ImportView) => {
        response.write(`id: ${view.version}\nevent: ${event}\ndata: ${JSON.stringify(view)}\n\n`);
        lastWrite = Date.now();
      };
      const known = lastEventId !== undefined && lastEventId <= current.version ? lastEventId : 0;
      if (current.version > known) send('progress', current);
      let sent = stable(current);
      const deadline = Date.now() + maxStreamSeconds * 1000;
      let authorisedAt = Date.now();
      while (isRunning(current.status)) {
        const left = deadline - Date.now();
        if (left <= 0) {
          response.write(`: this stream has reached its lifetime; reconnect with Last-Event-ID\nretry: ${RECONNECT_MS}\n\n`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollIntervalMs, left)));
        if (closed) return;
        try {
          if (Date.now() - authorisedAt >= heartbeatSeconds * 1000) {
            // Roles change while a stream is open: look at the caller's permissions again now and then, and
            // whether what they signed in with still holds (a password change, a revoked API token ends it).
            const now = principal.credential ? await this.queries.execute(new GetPrincipalQuery(principal.userId, principal.credential)) : undefined;
            if (!now) return;
            caller = { ...now, authenticatedWith: principal.authenticatedWith };
            authorisedAt = Date.now();
          }
          current = await read();
        } catch (error) {
          // Gone or no longer visible (a permission taken away): end the stream; the reconnect is refused.
          if (!(error instanceof DomainError)) this.logger.warn(`import event stream ended: ${(error as Error).message}`);
          return;
        }
        const snapshot = stable(current);
        if (snapshot !== sent) {
          send('progress', current);
          sent = snapshot;
        } else if (Date.now() - lastWrite >= heartbeatSeconds * 1000) {
          response.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      }
      send('end', current);
    } finally {
      response.end();
      await slot.release().catch((error: Error) => this.logger.warn(`stream slot not released (it lapses by itself): ${error.message}`));
    }
  }
}

/** Last-Event-ID from the header (EventSource's own reconnect) or `?lastEventId=` (a new EventSource). */
export function lastEventIdOf(header: string | undefined, query: unknown): number | undefined {
  const raw = header ?? (typeof query === 'string' ? query : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
