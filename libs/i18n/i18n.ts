export const SUPPORTED_LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

type Catalog = Record<string, string>;
const catalogs: Record<Language, Catalog> = { en: {}, nl: {} };

/**
 * Modules register their own messages (usually from `domain/messages.ts`), so the texts live beside
 * the rules that raise them. A key missing in a language falls back to English, then to the key.
 */
export function registerMessages(messages: Record<Language, Catalog>): void {
  for (const language of SUPPORTED_LANGUAGES) Object.assign(catalogs[language], messages[language]);
}

export function translate(key: string, language: Language = DEFAULT_LANGUAGE, params: Record<string, unknown> = {}): string {
  const template = catalogs[language][key] ?? catalogs.en[key] ?? key;
  // {name} puts the value in as it is; {name@PREFIX} puts in the text of PREFIX.<value> in this language
  // (an enum value such as a state, worded per language), or the value itself when there is none.
  return template.replace(/\{(\w+)(?:@([\w.]+))?\}/g, (match, name: string, prefix: string | undefined) => {
    if (!(name in params)) return match;
    const value = String(params[name]);
    if (prefix === undefined) return value;
    const worded = `${prefix}.${value}`;
    return catalogs[language][worded] ?? catalogs.en[worded] ?? value;
  });
}

export function hasMessage(key: string, language: Language): boolean {
  return key in catalogs[language];
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}

/** Picks the best supported language from an Accept-Language header (`nl-NL,nl;q=0.9,en;q=0.8`). */
export function negotiateLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((entry) => {
      const [tag, ...params] = entry.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { base: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.base && !Number.isNaN(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((entry) => entry.base).find(isLanguage);
}
