/**
 * Mail templates: a subject, a plain-text part and an HTML part per language, kept as files
 * (templates/<name>/<language>.subject.txt, .text.txt, .html). The syntax is a small subset of Mustache:
 *   {{name}}                the value (HTML-escaped in the HTML part)
 *   {{#name}}...{{/name}}   the inner text when the value is truthy (not 0, '', false, null)
 *   {{^name}}...{{/name}}   the inner text when it is falsy
 * A name the values do not have is an error, so a typo fails the render instead of mailing a blank.
 * Values lose their control characters and line breaks in every part (a name cannot add lines or headers).
 */
export const MAIL_TEMPLATE_NAMES = [
  'welcome',
  'account-updated',
  'password-reset',
  'password-changed',
  'import-completed',
  'review-requested',
  'review-reminder',
  'external-certificate-validated',
  'external-certificate-rejected',
] as const;
export type MailTemplateName = (typeof MAIL_TEMPLATE_NAMES)[number];

export interface MailTemplateSource {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type TemplateValues = Record<string, string | number | boolean | null | undefined>;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const TAG = /\{\{([#^/]?)\s*([a-zA-Z][\w.]*)\s*\}\}/g;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A value as one line of printable text. */
export function stripControlCharacters(value: string): string {
  return value.replace(CONTROL_CHARACTERS, ' ');
}

/** Renders one part. `escape` is applied to every substituted value (not to the template's own text). */
export function renderPart(template: string, values: TemplateValues, escape: (text: string) => string = (text) => text): string {
  let output = '';
  let position = 0;
  const stack: { name: string; show: boolean }[] = [];
  const showing = () => stack.every((section) => section.show);
  const valueOf = (name: string) => {
    if (!Object.hasOwn(values, name)) throw new TemplateError(`the template uses {{${name}}}, which has no value`);
    return values[name];
  };
  for (const match of template.matchAll(TAG)) {
    if (showing()) output += template.slice(position, match.index);
    position = match.index + match[0].length;
    const [, kind, name] = match;
    if (kind === '#' || kind === '^') {
      const value = valueOf(name);
      const truthy = value !== null && value !== undefined && value !== false && value !== 0 && value !== '';
      stack.push({ name, show: kind === '#' ? truthy : !truthy });
    } else if (kind === '/') {
      const open = stack.pop();
      if (open?.name !== name) throw new TemplateError(`{{/${name}}} closes ${open ? `{{#${open.name}}}` : 'nothing'}`);
    } else if (showing()) {
      const value = valueOf(name);
      output += escape(value === null || value === undefined ? '' : stripControlCharacters(String(value)));
    }
  }
  if (stack.length > 0) throw new TemplateError(`{{#${stack.at(-1)!.name}}} is never closed`);
  if (showing()) output += template.slice(position);
  return output;
}

/** Renders all three parts; the subject becomes one line (no header injection through a value). */
export function renderMail(source: MailTemplateSource, values: TemplateValues): RenderedMail {
  return {
    subject: renderPart(source.subject, values).replace(/\s+/g, ' ').trim(),
    text: renderPart(source.text, values),
    html: renderPart(source.html, values, escapeHtml),
  };
}
