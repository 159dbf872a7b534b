import { createContext, useContext, type ReactNode } from 'react';
import type { ImportsApi } from './api';
import type { ImportsMessageKey } from './messages';

/** What the import screens need from the app around them (see deps.tsx for the wiring). */
export interface ImportsEnv {
  t(key: ImportsMessageKey, params?: Record<string, string | number>): string;
  /** A translation that may not exist (option labels by key): undefined when it does not. */
  maybe(key: string, params?: Record<string, string | number>): string | undefined;
  /** For Intl (dates, numbers). */
  locale: string;
  /** For Accept-Language on the requests the screens make themselves (XHR, downloads). */
  language: string;
  api: ImportsApi;
  token(): string | undefined;
  userId: string;
  navigate(path: string): void;
}

/** An import type's title or description in the user's language: the dictionary's, else the API's (English). */
export function typeText(env: Pick<ImportsEnv, 'maybe'>, type: { key: string; title: string; description: string } | undefined, field: 'title' | 'description', fallback = ''): string {
  if (!type) return fallback;
  return env.maybe(`imports.type.${type.key}.${field}`) || type[field];
}

const Context = createContext<ImportsEnv | null>(null);

export function ImportsEnvProvider({ env, children }: { env: ImportsEnv; children: ReactNode }) {
  return <Context.Provider value={env}>{children}</Context.Provider>;
}

export function useImportsEnv(): ImportsEnv {
  const env = useContext(Context);
  if (!env) throw new Error('useImportsEnv outside ImportsEnvProvider');
  return env;
}
