import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../api/schema';

/**
 * The typed REST client. Paths, parameters and bodies are checked against web/src/api/schema.d.ts, generated
 * from the API's OpenAPI document (`npm run api:types`): a renamed field breaks `npm run typecheck`, not a page.
 *
 *   const { data, error } = await api.GET('/api/imports/{id}', { params: { path: { id } } });
 *   if (error) show(problemText(error));
 *
 * Every request carries the signed-in user's bearer token (kept in memory only, never in storage) and the
 * UI language as Accept-Language, so problem+json messages come back in that language. A 401 signs the user
 * out (the session expired or was revoked). For what openapi-fetch does not do (an upload with progress,
 * a file download, an event stream), use `authorizedFetch`/`authHeaders` (downloads: imports/net/download.ts).
 */
export type Schemas = components['schemas'];

/** RFC 9457 problem details as the API sends them (application/problem+json), with a stable `code`. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  params?: Record<string, unknown>;
  errors?: { field?: string; code: string; message: string }[];
}

interface Session {
  token: string | undefined;
  language: string;
  onUnauthorized: () => void;
}

const session: Session = { token: undefined, language: 'en', onUnauthorized: () => {} };

/** Called by the auth provider only. */
export function setSessionToken(token: string | undefined) {
  session.token = token;
}
/**
 * Signs out: the token is forgotten here at once, and the API is told to refuse it from now on (with the
 * token captured before it was forgotten). Best effort: should that request fail, the token still ends
 * when it expires, and nothing here holds it any more.
 */
export function endSession(): void {
  const token = session.token;
  session.token = undefined;
  if (!token) return;
  void api.POST('/api/auth/logout', { headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
}
export function setRequestLanguage(language: string) {
  session.language = language;
}
export function setUnauthorizedHandler(handler: () => void) {
  session.onUnauthorized = handler;
}

// Requests made outside this client (the import screens' downloads and XHR uploads) report a 401 this way.
if (typeof window !== 'undefined') {
  window.addEventListener('cit:unauthorized', () => {
    if (session.token) session.onUnauthorized();
  });
}

/** Authorization and Accept-Language headers, for requests made without the client (XHR uploads). */
export function authHeaders(): Record<string, string> {
  return { ...(session.token ? { Authorization: `Bearer ${session.token}` } : {}), 'Accept-Language': session.language };
}

const authMiddleware: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders())) if (!request.headers.has(name)) request.headers.set(name, value);
    return request;
  },
  onResponse({ request, response }) {
    // A 401 from the sign-in request itself is a wrong password, not an ended session.
    if (response.status === 401 && session.token && !new URL(request.url).pathname.endsWith('/api/auth/login')) session.onUnauthorized();
    return response;
  },
};

/** Same-origin only: the app talks to the product that served it and to nothing else. */
export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin }); // (no location in Node specs)
api.use(authMiddleware);

/** fetch with the session's headers, for endpoints that are not JSON (files) or need a raw Response. */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders())) if (!headers.has(name)) headers.set(name, value);
  const response = await fetch(new URL(path, location.origin), { ...init, headers });
  if (response.status === 401 && session.token) session.onUnauthorized();
  return response;
}

/** The problem document of a failed response (or a generic one when the body is not problem+json). */
export async function problemFrom(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Partial<Problem>;
    if (body && typeof body.code === 'string') return { title: body.title ?? response.statusText, status: response.status, ...body } as Problem;
  } catch {
    // not JSON
  }
  return { title: response.statusText || `HTTP ${response.status}`, status: response.status, code: `HTTP.${response.status}` };
}

/** The text to show for an API error: the API's own localised detail, else its title. */
export function problemText(error: unknown): string {
  if (error && typeof error === 'object') {
    const problem = error as Partial<Problem>;
    if (typeof problem.detail === 'string' && problem.detail) return problem.detail;
    if (typeof problem.title === 'string' && problem.title) return problem.title;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface UploadResult<T> {
  status: number;
  /** The parsed JSON body on success; undefined otherwise. */
  data?: T;
  /** The problem document when the API refused (status >= 400). */
  problem?: Problem;
}

/**
 * POST multipart/form-data with upload progress (fetch cannot report it): XMLHttpRequest with the session's
 * headers. `onProgress(sent, total)` as the bytes leave the browser; `signal` aborts (rejects with AbortError).
 */
export function uploadWithProgress<T = unknown>(
  path: string,
  form: FormData,
  options: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal; method?: 'POST' | 'PUT' } = {},
): Promise<UploadResult<T>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(options.method ?? 'POST', new URL(path, location.origin));
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded, event.lengthComputable ? event.total : 0);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status === 401 && session.token) session.onUnauthorized();
      if (xhr.status >= 400) {
        const problem = body && typeof (body as Problem).code === 'string' ? (body as Problem) : { title: xhr.statusText || `HTTP ${xhr.status}`, status: xhr.status, code: `HTTP.${xhr.status}` };
        resolve({ status: xhr.status, problem });
      } else resolve({ status: xhr.status, data: body as T });
    };
    xhr.onerror = () => reject(new Error('network error during upload'));
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
