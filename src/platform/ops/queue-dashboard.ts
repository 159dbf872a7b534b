import { BullAdapter } from '@bull-board/api/bullAdapter';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { QueryBus } from '@nestjs/cqrs';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '#libs/config/app-config.js';
import { GetPrincipalQuery, Permissions, type Principal, type PrincipalCredential } from '#libs/contracts/users/index.js';
import { PROBLEM_TYPE_BASE } from '#libs/http/problem-details.filter.js';
import { translate } from '#libs/i18n/i18n.js';
import { QueueRegistry } from './queue-registry.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
export const QUEUE_DASHBOARD_COOKIE = 'cit_queue_dashboard';
export const QUEUE_DASHBOARD_SESSION_SECONDS = 15 * 60;

/**
 * The Bull Board is a browser page, and a browser cannot send a bearer header to it. A platform admin
 * (operations.manage) opens it with POST /api/ops/queue-dashboard/session (bearer), which sets a short-lived
 * cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page can use it: the board's
 * retry/clean buttons are not reachable cross-site), Path=/admin/queues (sent nowhere else), signed with
 * the auth secret, bound to the user's token version and to the access token (or API token) it was opened with. Each dashboard request checks
 * the signature and expiry and loads the user's current permissions again, only while that credential
 * still holds: revoking the role or changing the password closes the dashboard at once.
 */
export interface DashboardSession {
  userId: string;
  /** What the admin signed in with: the cookie ends with it (a password change, a sign-out, a revoked API token). */
  credential: PrincipalCredential;
}

export function signDashboardSession(secret: string, session: DashboardSession, expiresAt: number): string {
  const { tokenVersion, apiTokenId, accessTokenId } = session.credential;
  const payload = `${session.userId}.${tokenVersion}.${apiTokenId ?? ''}.${accessTokenId ?? ''}.${expiresAt}`;
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyDashboardSession(secret: string, value: string | undefined, now = Date.now()): DashboardSession | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 6) return undefined;
  const [userId, version, apiTokenId, accessTokenId, expires, signature] = parts;
  const expected = Buffer.from(mac(secret, `${userId}.${version}.${apiTokenId}.${accessTokenId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 <= now) return undefined;
  if (!/^\d{1,9}$/.test(version)) return undefined;
  return {
    userId,
    credential: { tokenVersion: Number(version), ...(apiTokenId === '' ? {} : { apiTokenId }), ...(accessTokenId === '' ? {} : { accessTokenId }) },
  };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', `queue-dashboard:${secret}`).update(payload).digest('base64url');
}

export function dashboardCookie(config: AppConfig, value: string, maxAgeSeconds: number): string {
  const secure = config.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${QUEUE_DASHBOARD_COOKIE}=${value}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Mounts the Bull Board at /admin/queues behind the dashboard session (API processes only). */
export function mountQueueDashboard(app: INestApplication): void {
  const config = app.get(AppConfig);
  const queues = app.get(QueueRegistry).all();
  const queryBus = app.get(QueryBus);
  const orm = app.get(MikroORM);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullAdapter(queue)), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'Credential Import queues' } } });

  const refuse = (response: Response, request: Request, status: 401 | 403, code: string, params: Record<string, unknown> = {}) => {
    const title = translate(code, 'en', params);
    response
      .status(status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'), title, status, code, detail: title, instance: request.originalUrl.split('?')[0], params }));
  };
  const guard = (request: Request, response: Response, next: NextFunction) => {
    const session = verifyDashboardSession(config.authTokenSecret, readCookie(request, QUEUE_DASHBOARD_COOKIE));
    if (!session) return refuse(response, request, 401, 'OPS.DASHBOARD_SESSION_REQUIRED');
    RequestContext.create(orm.em.fork(), () => queryBus.execute(new GetPrincipalQuery(session.userId, session.credential)))
      .then((principal: Principal | undefined) => {
        if (!principal) return refuse(response, request, 401, 'OPS.DASHBOARD_SESSION_REQUIRED');
        if (!principal.permissions.includes(Permissions.OperationsManage)) {
          return refuse(response, request, 403, 'COMMON.FORBIDDEN', { permission: Permissions.OperationsManage });
        }
        next();
      })
      .catch(next);
  };
  app.use(QUEUE_DASHBOARD_PATH, guard, adapter.getRouter());
}
