import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: {
    'COMMON.VALIDATION_FAILED': 'The request is not valid: {count} problem(s).',
    'COMMON.NOT_FOUND': 'The resource was not found.',
    'COMMON.ROUTE_NOT_FOUND': 'There is no endpoint {method} {path}.',
    'COMMON.UNAUTHENTICATED': 'Sign in first: send a valid bearer token in the Authorization header.',
    'COMMON.FORBIDDEN': 'You do not have the permission {permission}.',
    'COMMON.TOO_MANY_REQUESTS': 'Too many attempts. Try again in {retryAfterSeconds} seconds.',
    'COMMON.PAYLOAD_TOO_LARGE': 'The upload is larger than the limit of {limit}.',
    'COMMON.INTERNAL_ERROR': 'Something went wrong on our side. Quote request id {requestId} when you report it.',
    'COMMON.BAD_REQUEST': 'The request could not be read: {reason}',
    'COMMON.UNIQUE_VIOLATION': 'A record with the same {field} already exists.',
  },
  nl: {
    'COMMON.VALIDATION_FAILED': 'Het verzoek is niet geldig: {count} probleem/problemen.',
    'COMMON.NOT_FOUND': 'Het gevraagde item is niet gevonden.',
    'COMMON.ROUTE_NOT_FOUND': 'Er bestaat geen endpoint {method} {path}.',
    'COMMON.UNAUTHENTICATED': 'Meld je eerst aan: stuur een geldig bearer-token in de Authorization-header.',
    'COMMON.FORBIDDEN': 'Je hebt de permissie {permission} niet.',
    'COMMON.TOO_MANY_REQUESTS': 'Te veel pogingen. Probeer het over {retryAfterSeconds} seconden opnieuw.',
    'COMMON.PAYLOAD_TOO_LARGE': 'Het bestand is groter dan de limiet van {limit}.',
    'COMMON.INTERNAL_ERROR': 'Er ging bij ons iets mis. Noem verzoek-id {requestId} als je dit meldt.',
    'COMMON.BAD_REQUEST': 'Het verzoek kon niet worden gelezen: {reason}',
    'COMMON.UNIQUE_VIOLATION': 'Er bestaat al een record met dezelfde {field}.',
  },
});
