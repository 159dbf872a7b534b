import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '#libs/config/app-config.js';
import { QUEUE_DASHBOARD_PATH } from '../ops/queue-dashboard.js';

/** Where the admin web app (web/, built by `npm run build` into dist/web) is served. */
export const ADMIN_APP_PATH = '/admin';

/**
 * The app's Content-Security-Policy: only its own assets. Scripts, styles and fonts from this origin (no inline
 * script or style element, no eval), API calls to this origin only, images from here or data:/blob: URLs
 * (icons, previews), frames from here or blob: (a PDF shown inline from a downloaded blob), no plugins, no
 * <base>, and no framing of the app by other sites. The Bull Board under /admin/queues keeps the global CSP.
 */
export const ADMIN_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The Bull Board, relative to /admin (src/platform/ops/queue-dashboard.ts). */
const QUEUE_DASHBOARD_PREFIX = new RegExp(`^${QUEUE_DASHBOARD_PATH.slice(ADMIN_APP_PATH.length)}(?:/|$)`);

/** Paths under /admin that are not the app's client routes: the Bull Board, and assets (a missing one is a 404, not index.html). */
const NOT_CLIENT_ROUTES = new RegExp(`^${ADMIN_APP_PATH}/(?:queues|assets)(?:/|$)`);

/** dist/web, from the sources (tests: src/platform/web) or from the compiled code (dist/src/platform/web). */
export function adminAppDirectory(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return basename(root) === 'dist' ? join(root, 'web') : join(root, 'dist', 'web');
}

export function adminAppBuilt(directory = adminAppDirectory()): boolean {
  return existsSync(join(directory, 'index.html'));
}

/**
 * Serves the built app at /admin (API processes): files from dist/web, and index.html for every client route
 * (/admin/imports/42 …) so a reload or a shared link opens the right screen.
 */
export function adminAppModules(config: AppConfig): DynamicModule[] {
  if (config.role === 'worker' || !adminAppBuilt()) return [];
  return [
    ServeStaticModule.forRoot({
      rootPath: adminAppDirectory(),
      serveRoot: ADMIN_APP_PATH,
      exclude: NOT_CLIENT_ROUTES,
      serveStaticOptions: {
        dotfiles: 'ignore',
        setHeaders: (response: Response, path: string) => {
          // Built assets have content hashes in their names: cache them for good; index.html always revalidates.
          response.setHeader('Cache-Control', path.includes(`${join('dist', 'web', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      },
    }),
  ];
}

/**
 * The CSP of the app for everything under /admin except the Bull Board (mounted before: it keeps its own), and
 * a plain answer when the app is not built (a checkout that ran only `npm run build:server`).
 */
export function mountAdminAppHeaders(app: INestApplication): void {
  const built = adminAppBuilt();
  app.use(ADMIN_APP_PATH, (request: Request, response: Response, next: NextFunction) => {
    if (QUEUE_DASHBOARD_PREFIX.test(request.path)) return next();
    response.setHeader('Content-Security-Policy', ADMIN_APP_CSP);
    if (!built && (request.method === 'GET' || request.method === 'HEAD')) {
      response.status(503).type('text/plain').send('The admin web app is not built: run `npm run build` (it builds web/ into dist/web).\n');
      return;
    }
    next();
  });
}
