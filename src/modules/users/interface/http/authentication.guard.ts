import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from '#libs/auth/decorators.js';
import { SINGLE_USE_TICKET_ROUTE, STREAM_TICKET_ROUTE, StreamTickets, type StreamTicketResource } from '#libs/auth/stream-tickets.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { requestContext } from '#libs/logging/request-context.js';
import { AuthenticationService } from '../../application/authentication.service.js';

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), and the permissions
 * named by @RequirePermissions(). A missing permission is a 403 that names it. Server-Sent Events routes
 * marked @AcceptsStreamTicket() also take a one-time stream ticket instead (see streamTicketPrincipal).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly tickets: StreamTickets,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const header = request.header('authorization');
    const streamTicket = this.reflector.getAllAndOverride<StreamTicketResource | undefined>(STREAM_TICKET_ROUTE, targets);
    let principal: Principal | undefined;
    if (header === undefined && streamTicket && typeof request.query.ticket === 'string') {
      const singleUse = this.reflector.getAllAndOverride<boolean | undefined>(SINGLE_USE_TICKET_ROUTE, targets) === true;
      principal = await this.streamTicketPrincipal(request, context.switchToHttp().getResponse<Response>(), request.query.ticket, streamTicket, singleUse);
    } else {
      const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
      if (!match) throw new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
      principal = await this.authentication.authenticate(match[1]);
      if (!principal) throw new DomainError('USERS.TOKEN_INVALID', 'unauthenticated');
    }
    request.principal = principal;
    const current = requestContext.current();
    if (current) current.userId = principal.userId;

    const required = this.reflector.getAllAndMerge<string[]>(REQUIRED_PERMISSIONS, targets) ?? [];
    const missing = required.find((permission) => !principal.permissions.includes(permission));
    if (missing) throw new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: missing });
    return true;
  }

  /**
   * Only routes marked @AcceptsStreamTicket() (Server-Sent Events, file downloads), only without an Authorization header,
   * only `?ticket=`: a ticket for exactly this resource (one stream at a time; see StreamTickets). Nothing else is read from the query
   * string: a long-lived token there would end up in logs and browser history.
   */
  private async streamTicketPrincipal(request: Request, response: Response, ticket: string, resource: StreamTicketResource, singleUse: boolean): Promise<Principal> {
    // A HEAD (a link preview, a prefetch) does not spend a one-time ticket: only the download itself may.
    if (singleUse && request.method === 'HEAD') throw new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
    const redeemed = await this.tickets.redeem(ticket, resource(request.params as Record<string, string | undefined>));
    if (!redeemed) throw new DomainError('COMMON.STREAM_TICKET_INVALID', 'unauthenticated');
    // A single-use ticket (a download) is gone with this request, whatever happens next.
    if (singleUse) await redeemed.revoke();
    // The credential the ticket was asked for must still hold: a password change (token version) or a
    // revoked API token ends every ticket issued before, redeemed or not.
    const principal = redeemed.credential ? await this.authentication.loadPrincipal(redeemed.userId, 'stream-ticket', redeemed.credential) : undefined;
    if (!principal) {
      if (!singleUse) await redeemed.revoke();
      throw new DomainError('COMMON.STREAM_TICKET_INVALID', 'unauthenticated');
    }
    if (singleUse) return principal;
    // One stream per ticket at a time: the ticket opens a reconnect only once this response has closed.
    if (response.writableFinished || response.destroyed) await redeemed.release();
    else response.once('close', () => void redeemed.release().catch(() => undefined));
    return principal;
  }
}
