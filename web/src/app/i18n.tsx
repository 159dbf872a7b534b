import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';

/**
 * English and Dutch. Each area keeps its own dictionary (`web/src/<area>/messages.ts`) made with
 * `defineMessages`: the Dutch half must have exactly the English keys (the type checker says so), and a
 * screen's dictionary travels in the screen's own lazy chunk. Read it with `useMessages(dictionary)`:
 *
 *   export const messages = defineMessages({ en: { title: 'Imports', rows: '{count} rows' }, nl: { title: 'Imports', rows: '{count} rijen' } });
 *   const t = useMessages(messages);   t('rows', { count: 3 })
 *
 * Dates and numbers: `useLocale()` gives `formatDate`, `formatDateTime`, `formatNumber` in the user's language.
 */
export const LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

export type Params = Record<string, string | number>;
export interface Messages<K extends string> {
  readonly en: Readonly<Record<K, string>>;
  readonly nl: Readonly<Record<K, string>>;
}

const registry: Messages<string>[] = [];

/** A dictionary in both languages; registered so the tests can check every dictionary (see `allMessages`). */
export function defineMessages<const K extends string>(messages: { en: Record<K, string>; nl: NoInfer<Record<K, string>> }): Messages<K> {
  registry.push(messages);
  return messages;
}

/** Every dictionary defined so far (the ones whose modules are loaded). */
export function allMessages(): readonly Messages<string>[] {
  return registry;
}

/** `{name}` placeholders filled from params; a missing param stays visible rather than vanishing. */
export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The browser's preferred language if we speak it, else English. */
export function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return 'en';
}

export function asLanguage(value: string | null | undefined): Language | undefined {
  const base = value?.toLowerCase().split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : undefined;
}

/** The browser's own locale when it is in this language (en-US writes 11/30/2026, en-GB 30/11/2026), else a default. */
export function localeFor(language: Language): string {
  const own = (navigator.languages ?? [navigator.language]).find((tag) => tag.toLowerCase().split('-')[0] === language);
  return own ?? (language === 'nl' ? 'nl-NL' : 'en-GB');
}

interface LocaleValue {
  language: Language;
  setLanguage(language: Language): void;
}

const LocaleContext = createContext<LocaleValue>({ language: 'en', setLanguage: () => {} });

export function LocaleProvider({ language, setLanguage, children }: LocaleValue & { children: ReactNode }) {
  const value = useMemo(() => ({ language, setLanguage }), [language, setLanguage]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

/** The language and the user's locale formats. Dates are shown as the language writes them (nl: 30-11-2026). */
export function useLocale() {
  const { language, setLanguage } = useContext(LocaleContext);
  return useMemo(() => {
    const locale = localeFor(language);
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const number = new Intl.NumberFormat(locale);
    const parse = (value: string | Date) => (value instanceof Date ? value : new Date(value));
    return {
      language,
      setLanguage,
      locale,
      formatDate: (value: string | Date) => date.format(parse(value)),
      formatDateTime: (value: string | Date) => dateTime.format(parse(value)),
      formatNumber: (value: number) => number.format(value),
    };
  }, [language, setLanguage]);
}

/** The translate function of one dictionary in the current language. */
export function useMessages<K extends string>(messages: Messages<K>): (key: K, params?: Params) => string {
  const { language } = useContext(LocaleContext);
  return useCallback((key: K, params?: Params) => format(messages[language][key] ?? messages.en[key] ?? key, params), [messages, language]);
}
