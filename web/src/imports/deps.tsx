import { useMemo, type ReactNode } from 'react';
import { api, authHeaders, authorizedFetch } from '../app/api';
import { useAuth } from '../app/auth';
import { useLocale, useMessages } from '../app/i18n';
import { navigate } from '../app/router';
import type { ImportListFilter, ImportsApi, RowFilter } from './api';
import { ImportsEnvProvider, type ImportsEnv } from './env';
import { importsMessages } from './messages';
import { toProblem } from './model/problems';
import type { ImportDetail, ImportRow, ImportSummary, ImportType, Page, RowCode } from './types';

/**
 * The one file of the import screens that knows the app's shell (web/src/app): the typed API client
 * (openapi-fetch, typed from the OpenAPI document), the session's headers for what the client does not do
 * (XHR upload, downloads), translation, the signed-in user and the router.
 */

/** An openapi-fetch answer as a value, or its problem document thrown as a Problem. */
async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) throw toProblem(response.status, error, `${response.status} ${response.statusText}`);
  return data;
}

const typedApi: ImportsApi = {
  types: () => answer<ImportType[]>(api.GET('/api/import-types')),
  list: (filter: ImportListFilter) => answer<Page<ImportSummary>>(api.GET('/api/imports', { params: { query: filter } })),
  get: (id) => answer<ImportDetail>(api.GET('/api/imports/{id}', { params: { path: { id } } })),
  rows: (id, filter: RowFilter) => answer<Page<ImportRow>>(api.GET('/api/imports/{id}/rows', { params: { path: { id }, query: filter } })),
  rowCodes: (id) => answer<RowCode[]>(api.GET('/api/imports/{id}/row-codes', { params: { path: { id } } })),
  setMapping: (id, mapping, options) => answer<ImportDetail>(api.PUT('/api/imports/{id}/mapping', { params: { path: { id } }, body: { mapping, options } })),
  confirm: (id, acknowledgedWarnings) => answer<ImportDetail>(api.POST('/api/imports/{id}/confirm', { params: { path: { id } }, body: { acknowledgedWarnings } })),
  cancel: (id) => answer<ImportDetail>(api.POST('/api/imports/{id}/cancel', { params: { path: { id } } })),
  undo: (id) => answer<{ id: string }>(api.POST('/api/imports/{id}/undo', { params: { path: { id } } })),
  run: (id) => answer<{ id: string }>(api.POST('/api/imports/{id}/run', { params: { path: { id } } })),
  ticket: (id) => answer<{ url: string }>(api.POST('/api/imports/{id}/events/ticket', { params: { path: { id } } })),
  downloadTicket: (id, file, format) => answer<{ url: string }>(api.POST('/api/imports/{id}/download-ticket', { params: { path: { id } }, body: { file, format } })),
  entities: async (path) => {
    const response = await authorizedFetch(path);
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw toProblem(response.status, body, `${response.status}`);
    return body;
  },
};

/** Provides the import screens' environment from the app's shell. */
export function ImportsShell({ children }: { children: ReactNode }) {
  const t = useMessages(importsMessages);
  const { language, locale } = useLocale();
  const { me } = useAuth();
  const env = useMemo<ImportsEnv>(
    () => ({
      t,
      maybe: (key, params) => {
        const dictionary = importsMessages[language] as Readonly<Record<string, string>>;
        return key in dictionary ? t(key as never, params) : undefined;
      },
      locale,
      language,
      api: typedApi,
      token: () => authHeaders().Authorization?.replace(/^Bearer /, ''),
      userId: me?.userId ?? '',
      navigate: (path) => navigate(path),
    }),
    [t, language, locale, me?.userId],
  );
  return <ImportsEnvProvider env={env}>{children}</ImportsEnvProvider>;
}
