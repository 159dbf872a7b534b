import { Injectable, type OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPPORTED_LANGUAGES, isLanguage, type Language } from '#libs/i18n/i18n.js';
import { MAIL_TEMPLATE_NAMES, renderMail, type MailTemplateName, type MailTemplateSource, type RenderedMail, type TemplateValues } from '../domain/mail-template.js';

/**
 * The template files, next to this module's code: src/modules/notifications/templates when run from
 * source, dist/src/modules/notifications/templates in the compiled app (`npm run build` copies them).
 */
export const TEMPLATES_DIR = join(import.meta.dirname, '..', 'templates');

/** Loads every template in every language once, at boot: a missing file stops the start, not a mail. */
@Injectable()
export class MailTemplates implements OnModuleInit {
  private readonly sources = new Map<string, MailTemplateSource>();

  onModuleInit() {
    for (const name of MAIL_TEMPLATE_NAMES) {
      for (const language of SUPPORTED_LANGUAGES) this.sources.set(`${name}/${language}`, loadTemplate(TEMPLATES_DIR, name, language));
    }
  }

  /** Renders a template in the recipient's language (English for a language we have no template in). */
  render(name: MailTemplateName, language: string, values: TemplateValues): RenderedMail {
    const source = this.sources.get(`${name}/${isLanguage(language) ? language : 'en'}`);
    if (!source) throw new Error(`no mail template "${name}"`);
    return renderMail(source, values);
  }
}

export function loadTemplate(dir: string, name: string, language: Language): MailTemplateSource {
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, name, file), 'utf8');
    } catch (error) {
      throw new Error(`mail template ${name}/${file} is missing under ${dir}`, { cause: error });
    }
  };
  return { subject: read(`${language}.subject.txt`), text: read(`${language}.text.txt`), html: read(`${language}.html`) };
}
