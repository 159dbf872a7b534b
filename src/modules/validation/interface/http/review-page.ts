import { createHash } from 'node:crypto';
import { translate, type Language } from '#libs/i18n/i18n.js';
import type { ReviewLinkStatus } from '../../domain/review-link.js';
import './review-page.messages.js';

/**
 * The review page behind the links in reviewers' mails: plain server-rendered HTML, no JavaScript, no
 * external resources. The only style is the inline block below, allowed by its hash; everything else is
 * refused by the policy. Every value from the data is escaped.
 */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:2rem 1rem}
main{max-width:36rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input,select,textarea{box-sizing:border-box;width:100%;padding:.55rem;border:1px solid #9aa3b2;border-radius:4px;font-size:1rem;font-family:inherit}
textarea{min-height:6rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.25rem}
button{padding:.6rem 1.2rem;border:0;border-radius:4px;font-size:1rem;cursor:pointer}
.validate{background:#1d7a3a;color:#fff}
.reject{background:#b3261e;color:#fff}
.chosen{outline:3px solid #1f5fbf;outline-offset:2px}
.error{background:#fdecea;border:1px solid #e0a19a;color:#8a1f11;padding:.6rem .8rem;border-radius:4px}
.note{color:#5a6372;font-size:.9rem}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/** Nothing loads or runs but the one inline style; forms post only to this origin; never framed. */
export const REVIEW_PAGE_CSP = ["default-src 'none'", `style-src ${STYLE_HASH}`, "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"].join('; ');

/** For the uploaded PDF (untrusted content) wherever it is served: a sandbox that loads nothing. */
export const PDF_CSP = "sandbox; default-src 'none'";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const t = (key: string, language: Language, params?: Record<string, unknown>) => escapeHtml(translate(`VALIDATION.REVIEW_PAGE.${key}`, language, params));

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

const DATE_TIME = {
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }),
  nl: new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }),
};
const DATE = {
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
  nl: new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'UTC' }),
};

export const formatTime = (time: Date, language: Language) => `${DATE_TIME[language].format(time)} UTC`;
/** A YYYY-MM-DD date in words (the day itself, whatever the time zone). */
export const formatDate = (date: string, language: Language) => DATE[language].format(new Date(`${date}T00:00:00Z`));

export interface ReviewFormModel {
  /** The link's token: the form posts to /review/<token>. */
  token: string;
  csrfField: string;
  preselected?: 'validate' | 'reject';
  learnerName: string;
  uploaderName: string;
  submittedAt: Date;
  linkExpiresAt: Date;
  current: { name: string; deliveredOn: string; expiresOn: string | null; definitionId: string | null; credits: number | null; fileName: string };
  /**
   * What the form shows in its fields: the current values, or what was posted when the form comes back with an
   * error. Hidden: the definition the form started from (only a different choice is an edit) and the task's
   * version the form was made from (a decision on an older version is refused, not applied over another edit).
   */
  fields: { name: string; deliveredOn: string; expiresOn: string; definitionId: string; comment: string; originalDefinitionId: string; version: string };
  /** The catalogue's choices; `deleted`: the task's definition, no longer in the catalogue. */
  definitions: { id: string; code: string; name: string; deleted?: boolean }[];
  error?: string;
}

/** The certificate's details, the PDF, the editable fields, a comment and the two buttons. */
export function reviewFormPage(language: Language, model: ReviewFormModel): string {
  const { current, fields } = model;
  const base = `/review/${encodeURIComponent(model.token)}`;
  const definition = model.definitions.find((d) => d.id === current.definitionId);
  const definitionText =
    current.definitionId === null
      ? t('NO_DEFINITION', language)
      : definition && !definition.deleted
        ? escapeHtml(`${definition.name} (${definition.code})`)
        : t('DELETED_DEFINITION', language, { id: current.definitionId });
  const options = [
    `<option value=""${fields.definitionId === '' ? ' selected' : ''}>${t('NO_DEFINITION', language)}</option>`,
    ...model.definitions.map(
      (d) =>
        `<option value="${escapeHtml(d.id)}"${d.id === fields.definitionId ? ' selected' : ''}>${d.deleted ? t('DELETED_DEFINITION', language, { id: d.id }) : escapeHtml(`${d.name} (${d.code})`)}</option>`,
    ),
  ];
  const intro =
    model.preselected === 'validate'
      ? t('INTRO_VALIDATE', language)
      : model.preselected === 'reject'
        ? t('INTRO_REJECT', language)
        : t('INTRO', language, { learner: model.learnerName });
  const button = (action: 'validate' | 'reject', label: string) =>
    `<button type="submit" name="action" value="${action}" class="${action}${model.preselected === action ? ' chosen' : ''}">${t(label, language)}</button>`;
  const buttons = model.preselected === 'reject' ? [button('reject', 'REJECT'), button('validate', 'VALIDATE')] : [button('validate', 'VALIDATE'), button('reject', 'REJECT')];
  return page(
    language,
    translate('VALIDATION.REVIEW_PAGE.TITLE', language),
    `${model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>\n` : ''}<p>${intro}</p>
<dl>
<dt>${t('LEARNER', language)}</dt><dd>${escapeHtml(model.learnerName)}</dd>
<dt>${t('NAME', language)}</dt><dd>${escapeHtml(current.name)}</dd>
<dt>${t('DELIVERED_ON', language)}</dt><dd>${escapeHtml(formatDate(current.deliveredOn, language))}</dd>
<dt>${t('EXPIRES_ON', language)}</dt><dd>${current.expiresOn === null ? t('NO_EXPIRY', language) : escapeHtml(formatDate(current.expiresOn, language))}</dd>
<dt>${t('DEFINITION', language)}</dt><dd>${definitionText}</dd>
${current.credits === null ? '' : `<dt>${t('CREDITS', language)}</dt><dd>${escapeHtml(String(current.credits))}</dd>\n`}<dt>${t('UPLOADED', language)}</dt><dd>${t('UPLOADED_BY', language, { time: formatTime(model.submittedAt, language), name: model.uploaderName })}</dd>
<dt>${t('FILE', language)}</dt><dd><a href="${base}/certificate.pdf" target="_blank" rel="noopener noreferrer">${t('OPEN_FILE', language, { fileName: current.fileName })}</a></dd>
</dl>
<form method="post" action="${base}">
<input type="hidden" name="csrf" value="${escapeHtml(model.csrfField)}">
<input type="hidden" name="version" value="${escapeHtml(fields.version)}">
<input type="hidden" name="originalDefinitionId" value="${escapeHtml(fields.originalDefinitionId)}">
<h2>${t('EDIT', language)}</h2>
<label for="name">${t('NAME', language)}</label>
<input id="name" name="name" type="text" maxlength="200" required value="${escapeHtml(fields.name)}">
<label for="deliveredOn">${t('DELIVERED_ON', language)}</label>
<input id="deliveredOn" name="deliveredOn" type="date" required value="${escapeHtml(fields.deliveredOn)}">
<label for="expiresOn">${t('EXPIRES_ON', language)}</label>
<input id="expiresOn" name="expiresOn" type="date" value="${escapeHtml(fields.expiresOn)}">
<label for="definitionId">${t('DEFINITION', language)}</label>
<select id="definitionId" name="definitionId">
${options.join('\n')}
</select>
<label for="comment">${t('COMMENT', language)}</label>
<textarea id="comment" name="comment" maxlength="2000">${escapeHtml(fields.comment)}</textarea>
<div class="actions">
${buttons.join('\n')}
</div>
</form>
<p class="note">${t('LINK_EXPIRES', language, { time: formatTime(model.linkExpiresAt, language) })}</p>`,
  );
}

export function decidedPage(language: Language, action: 'validate' | 'reject', learnerName: string, certificateName: string): string {
  const key = action === 'validate' ? 'VALIDATED' : 'REJECTED';
  return page(language, translate(`VALIDATION.REVIEW_PAGE.${key}_TITLE`, language), `<p>${t(`${key}_TEXT`, language, { name: certificateName, learner: learnerName })}</p>`);
}

export type DeadLinkCase = Exclude<ReviewLinkStatus, 'open'> | 'forged';

/** One page per reason a link does not work, in words, with the way to sign in. */
export function deadLinkPage(language: Language, reason: DeadLinkCase, signInUrl: string, expiredAt?: Date): string {
  const title = translate(reason === 'forged' ? 'VALIDATION.REVIEW_PAGE.FORGED_TITLE' : 'VALIDATION.REVIEW_PAGE.DEAD_TITLE', language);
  const text = reason === 'forged' ? t('FORGED_TEXT', language) : t(`DEAD_${reason.toUpperCase()}`, language, { time: expiredAt ? formatTime(expiredAt, language) : '' });
  return page(language, title, `<p>${text}</p>\n<p><a href="${escapeHtml(signInUrl)}">${t('SIGN_IN', language)}</a></p>`);
}

export function crossSitePage(language: Language, signInUrl: string): string {
  return page(
    language,
    translate('VALIDATION.REVIEW_PAGE.CROSS_SITE_TITLE', language),
    `<p>${t('CROSS_SITE_TEXT', language)}</p>\n<p><a href="${escapeHtml(signInUrl)}">${t('SIGN_IN', language)}</a></p>`,
  );
}
