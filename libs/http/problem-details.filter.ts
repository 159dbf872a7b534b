import { NotFoundError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import '#libs/errors/common-messages.js';
import { DomainError, type ErrorKind } from '#libs/errors/domain-error.js';
import { DEFAULT_LANGUAGE, isLanguage, negotiateLanguage, translate, type Language } from '#libs/i18n/i18n.js';
import { loggablePath } from '#libs/logging/loggable-path.js';
import { requestContext } from '#libs/logging/request-context.js';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
};

export const PROBLEM_TYPE_BASE = 'https://credential-import.dev/problems/';

/** The shape of every error response (RFC 9457 problem details, plus a stable code). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  requestId?: string;
  params?: Record<string, unknown>;
  errors?: { field?: string; code: string; message: string }[];
}

/** The one place where errors become HTTP responses: `application/problem+json`, localised. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(exception: unknown, host: ArgumentsHost) {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { principal?: { language?: string } }>();
    const response = http.getResponse<Response>();
    const language = pickLanguage(request);
    const error = this.toDomainError(exception, request);
    const status = error ? STATUS_BY_KIND[error.kind] : HttpStatus.INTERNAL_SERVER_ERROR;
    const requestId = requestContext.current()?.requestId ?? String(response.getHeader('x-request-id') ?? '');

    const code = error?.code ?? 'COMMON.INTERNAL_ERROR';
    const params = { ...(error?.params ?? {}), ...(error ? {} : { requestId }) };
    const message = translate(code, language, params);
    if (!error) {
      this.logger.error({ msg: 'unhandled error', path: loggablePath(request.originalUrl), error: String(exception), stack: (exception as Error)?.stack });
    }
    const problem: ProblemDocument = {
      type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'),
      title: message,
      status,
      code,
      detail: message,
      instance: request.originalUrl.split('?')[0],
      requestId,
      params: error && Object.keys(error.params).length > 0 ? error.params : undefined,
      errors: error?.details?.map((d) => ({ field: d.field, code: d.code, message: translate(d.code, language, { field: d.field, ...(d.params ?? {}) }) })),
    };
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (status === 429 && error?.params.retryAfterSeconds) response.setHeader('Retry-After', String(error.params.retryAfterSeconds));
    // A stream (SSE, a file download) that fails halfway cannot become a problem document any more:
    // cut the connection so the client sees the failure instead of waiting.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(status).type('application/problem+json').setHeader('Content-Language', language).send(JSON.stringify(problem));
  }

  private toDomainError(exception: unknown, request: Request): DomainError | undefined {
    if (exception instanceof DomainError) return exception;
    if (exception instanceof NotFoundError) return new DomainError('COMMON.NOT_FOUND', 'not_found');
    if (exception instanceof UniqueConstraintViolationException) {
      const constraint = /unique constraint "([^"]+)"/.exec(exception.message)?.[1] ?? 'value';
      return new DomainError('COMMON.UNIQUE_VIOLATION', 'conflict', { field: constraintField(constraint) });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as { message?: string | string[] } | string;
      const reason = typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? '');
      switch (status) {
        case 404:
          return new DomainError('COMMON.ROUTE_NOT_FOUND', 'not_found', { method: request.method, path: request.path });
        case 401:
          return new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
        case 403:
          return new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: reason });
        case 413:
          return new DomainError('COMMON.PAYLOAD_TOO_LARGE', 'payload_too_large', { limit: reason });
        case 429:
          return new DomainError('COMMON.TOO_MANY_REQUESTS', 'too_many_requests', { retryAfterSeconds: 60 });
        default:
          if (status >= 400 && status < 500) return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason });
      }
    }
    if (isBodyParserError(exception)) {
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: (exception as Error).message });
    }
    return undefined;
  }
}

function isBodyParserError(exception: unknown): boolean {
  return typeof exception === 'object' && exception !== null && (exception as { type?: string }).type === 'entity.parse.failed';
}

function constraintField(constraint: string): string {
  const match = /^[a-z_]+?_(.+)_unique$/.exec(constraint);
  return match ? match[1] : constraint;
}

export function pickLanguage(request: Request & { principal?: { language?: string } }): Language {
  const negotiated = negotiateLanguage(request.header('accept-language'));
  if (negotiated) return negotiated;
  const own = request.principal?.language;
  return isLanguage(own) ? own : DEFAULT_LANGUAGE;
}
