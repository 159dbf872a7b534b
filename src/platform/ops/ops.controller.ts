import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { AppConfig } from '#libs/config/app-config.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { DeadLetters } from '#libs/outbox/dead-letters.js';
import {
  QUEUE_DASHBOARD_PATH,
  QUEUE_DASHBOARD_SESSION_SECONDS,
  dashboardCookie,
  signDashboardSession,
} from './queue-dashboard.js';

/** Operations for platform admins (operations.manage): dead letters and the queue dashboard session. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('api/ops')
export class OpsController {
  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly config: AppConfig,
  ) {}

  @Get('dead-letters')
  @RequirePermissions(Permissions.OperationsManage)
  @ApiOperation({ summary: 'Events whose delivery to a consumer failed every attempt (newest first)' })
  @ApiQuery({ name: 'status', required: false, enum: ['dead', 'retried', 'all'] })
  async listDeadLetters(@Query('status') status?: string) {
    const wanted = status === 'retried' || status === 'all' ? status : 'dead';
    return { items: await this.deadLetters.list(wanted) };
  }

  @Post('dead-letters/:id/retry')
  @HttpCode(202)
  @RequirePermissions(Permissions.OperationsManage)
  @ApiOperation({ summary: 'Deliver a dead letter again to its consumer (after fixing the cause); the inbox keeps it once' })
  retryDeadLetter(@Param('id') id: string) {
    return this.deadLetters.retry(id);
  }

  @Post('queue-dashboard/session')
  @HttpCode(200)
  @RequirePermissions(Permissions.OperationsManage)
  @ApiOperation({ summary: `Opens the queue dashboard (${QUEUE_DASHBOARD_PATH}) in this browser: a 15-minute HttpOnly, SameSite=Strict cookie` })
  @ApiOkResponse({ schema: { example: { url: QUEUE_DASHBOARD_PATH, expiresAt: '2026-11-30T12:15:00.000Z' } } })
  openQueueDashboard(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    // Bound to what the admin signed in with: a password change or a revoked API token ends the cookie too.
    if (!principal.credential) throw new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
    const expiresAt = Math.floor(Date.now() / 1000) + QUEUE_DASHBOARD_SESSION_SECONDS;
    const session = signDashboardSession(this.config.authTokenSecret, { userId: principal.userId, credential: principal.credential }, expiresAt);
    response.setHeader('Set-Cookie', dashboardCookie(this.config, session, QUEUE_DASHBOARD_SESSION_SECONDS));
    response.setHeader('Cache-Control', 'no-store');
    return { url: QUEUE_DASHBOARD_PATH, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}
