import { createHash } from 'node:crypto';
import { translate, type Language } from '#libs/i18n/i18n.js';
import { MIN_PASSWORD_LENGTH } from '../../domain/user.js';

/**
 * The set-password pages: plain server-rendered HTML, no JavaScript, no external resources. The only
 * style is the inline block below, allowed by its hash; everything else is refused by the policy.
 */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:2rem 1rem}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input[type=password],input[type=email]{box-sizing:border-box;width:100%;padding:.55rem;border:1px solid #9aa3b2;border-radius:4px;font-size:1rem}
button{margin-top:1.25rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;font-size:1rem;cursor:pointer}
.error{background:#fdecea;border:1px solid #e0a19a;color:#8a1f11;padding:.6rem .8rem;border-radius:4px}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/** Stricter than the API's default policy: nothing loads or runs but the one inline style; forms post only here. */
export const SET_PASSWORD_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

const t = (key: string, language: Language, params?: Record<string, unknown>) => escapeHtml(translate(key, language, params));

/** The form: new password and its confirmation, the token in a hidden field; `error` shown above it. */
export function setPasswordFormPage(language: Language, token: string, error?: string): string {
  return page(
    language,
    translate('USERS.PASSWORD_PAGE.TITLE', language),
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : ''}<p>${t('USERS.PASSWORD_PAGE.INTRO', language, { min: MIN_PASSWORD_LENGTH })}</p>
<form method="post" action="/account/set-password">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">${t('USERS.PASSWORD_PAGE.PASSWORD', language)}</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024" required>
<label for="confirmation">${t('USERS.PASSWORD_PAGE.CONFIRMATION', language)}</label>
<input id="confirmation" name="confirmation" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024" required>
<button type="submit">${t('USERS.PASSWORD_PAGE.SUBMIT', language)}</button>
</form>`,
  );
}

/** One page for an unknown, used, superseded or expired link, with a form to ask for a new one. */
export function deadLinkPage(language: Language, error?: string): string {
  return page(
    language,
    translate('USERS.PASSWORD_PAGE.DEAD_TITLE', language),
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : ''}<p>${t('USERS.PASSWORD_PAGE.DEAD_TEXT', language)}</p>
<form method="post" action="/account/forgot-password">
<label for="email">${t('USERS.PASSWORD_PAGE.EMAIL', language)}</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required>
<button type="submit">${t('USERS.PASSWORD_PAGE.REQUEST', language)}</button>
</form>`,
  );
}

export function passwordSetPage(language: Language): string {
  return page(language, translate('USERS.PASSWORD_PAGE.DONE_TITLE', language), `<p>${t('USERS.PASSWORD_PAGE.DONE_TEXT', language)}</p>`);
}

export function newLinkRequestedPage(language: Language): string {
  return page(language, translate('USERS.PASSWORD_PAGE.REQUESTED_TITLE', language), `<p>${t('USERS.PASSWORD_PAGE.REQUESTED_TEXT', language)}</p>`);
}
