/**
 * The path of a request as it may appear in logs: no query string (one-time tickets and set-password
 * tokens travel there) and no review-link token (/review/<token> is the reviewer's credential).
 */
const REVIEW_TOKEN = /\/review\/[^/?#\s]+/g;

export function loggablePath(url: string | undefined): string {
  const path = (url ?? '').split(/[?#]/)[0];
  return redactPathTokens(path);
}

/** Replaces review-link tokens inside any text (a path, a URL, a message) with `:token`. */
export function redactPathTokens(text: string): string {
  return text.replace(REVIEW_TOKEN, '/review/:token');
}
