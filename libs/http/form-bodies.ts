import type { RequestHandler } from 'express';
import { DomainError } from '#libs/errors/domain-error.js';
import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: { 'COMMON.FORM_BODY_NOT_ACCEPTED': 'This endpoint accepts JSON (Content-Type: application/json), not an HTML form body.' },
  nl: { 'COMMON.FORM_BODY_NOT_ACCEPTED': 'Dit endpoint accepteert JSON (Content-Type: application/json), geen HTML-formulier.' },
});

/**
 * HTML form bodies (application/x-www-form-urlencoded) only under the given path prefixes (the
 * server-rendered account pages); anywhere else they are refused with 415 before any parser reads them.
 * A cross-site form can post such a body without a CORS preflight: the API takes JSON only.
 */
export function formBodiesOnlyUnder(...prefixes: string[]): RequestHandler {
  return (request, _response, next) => {
    const allowed = prefixes.some((prefix) => request.path === prefix || request.path.startsWith(`${prefix}/`));
    if (!allowed && request.is('application/x-www-form-urlencoded')) {
      next(new DomainError('COMMON.FORM_BODY_NOT_ACCEPTED', 'unsupported_media_type'));
      return;
    }
    next();
  };
}
