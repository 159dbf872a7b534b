/**
 * What kind of failure an error is. The HTTP layer maps kinds to status codes in one place; the domain
 * never talks about HTTP.
 */
export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'too_many_requests'
  | 'payload_too_large'
  | 'unsupported_media_type';

/**
 * An expected failure with a stable code (`CERTIFICATES.DEFINITION_NOT_FOUND`). The code is also the
 * message key for the translated text; `params` fill the message and are returned to clients.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    readonly params: Record<string, string | number | boolean | string[]> = {},
    readonly details?: { field?: string; code: string; params?: Record<string, unknown> }[],
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, params?: DomainError['params']) => new DomainError(code, 'not_found', params);
export const conflict = (code: string, params?: DomainError['params']) => new DomainError(code, 'conflict', params);
export const invalid = (code: string, params?: DomainError['params']) => new DomainError(code, 'validation', params);
export const forbidden = (code: string, params?: DomainError['params']) => new DomainError(code, 'forbidden', params);
