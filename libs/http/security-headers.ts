import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers for every response (helmet), with a Content-Security-Policy that fits what this
 * server renders itself: Swagger UI at /api/docs (swagger-ui-dist: its own scripts from 'self', inline
 * styles, data: images) and the Bull Board at /admin/queues (scripts from 'self', inline styles, a JSON
 * config block that is not executed). No inline scripts and no foreign script origins are allowed.
 * `upgrade-insecure-requests` is only sent when the public URL is https: on a plain-http installation
 * it would make browsers request the docs' assets over https and break them.
 */
export function securityHeaders(publicUrl: string): RequestHandler {
  const https = publicUrl.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}
