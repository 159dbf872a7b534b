import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '#libs/config/app-config.js';

/**
 * Who may scrape /metrics. With METRICS_TOKEN: exactly that bearer token. Without it: only a direct
 * request from the loopback interface (no proxy headers), so a default installation can be scraped by a
 * Prometheus on the same machine and by nobody else. Unknown means refuse.
 */
export function mayScrape(request: IncomingMessage, config: AppConfig): boolean {
  const token = config.ops.metricsToken;
  if (token) {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1]);
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  const remote = request.socket.remoteAddress ?? '';
  const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined;
  return loopback && !proxied;
}
