import type { NextFunction, Request, Response } from 'express';
import { httpDuration } from './metrics.js';

/** Express middleware: observes each request's duration under its route template (/api/imports/:id), not its URL. */
export function httpMetrics() {
  return (request: Request, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const route = request.route?.path ? `${request.baseUrl}${String(request.route.path)}` : request.baseUrl || 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpDuration.observe({ method: request.method, route, status: String(response.statusCode) }, seconds);
    });
    next();
  };
}
