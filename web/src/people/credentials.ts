import { unwrap } from '../reviews/shared';

/**
 * The credentials API (issue 10: GET /api/me/credentials, GET /api/credentials?email=) is not in this
 * branch's OpenAPI document yet, so its answer is typed here by hand, limited to what the screen shows.
 * When the API is present in the generated schema, replace this with the generated type
 * (components['schemas']['CredentialDto']) and call the typed client directly.
 */
export interface CredentialView {
  id: string;
  groupName: string;
  recipientName: string;
  recipientEmail: string;
  issuedOn: string;
  expiresOn: string | null;
  grade: string | null;
  status: 'active' | 'expired' | 'revoked' | string;
}

type UntypedGet = (
  path: string,
  init?: { params?: { query?: Record<string, string | number> } },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export type CredentialsAnswer = { available: true; items: CredentialView[]; total: number } | { available: false; reason: 'missing' | 'forbidden' };

/** Own credentials (self) or those issued to an email address (credentials.manage). 404 on the route: no such API. */
export async function loadCredentials(client: unknown, target: { self: true } | { self: false; email: string }): Promise<CredentialsAnswer> {
  const get = (client as { GET: UntypedGet }).GET.bind(client);
  let result: Awaited<ReturnType<UntypedGet>>;
  try {
    result = target.self ? await get('/api/me/credentials') : await get('/api/credentials', { params: { query: { email: target.email, pageSize: 100 } } });
  } catch (failure) {
    // Not JSON at all (say, a page instead of the API): there is no credentials API to ask.
    if (failure instanceof SyntaxError) return { available: false, reason: 'missing' };
    throw failure;
  }
  const status = result.response.status;
  // An unknown route answers 404 with the generic not-found code; the API itself never answers 404 for a list.
  if (status === 404) return { available: false, reason: 'missing' };
  if (status === 403) return { available: false, reason: 'forbidden' };
  const data = unwrap(result);
  if (Array.isArray(data)) return { available: true, items: data as CredentialView[], total: data.length };
  const page = data as { items: CredentialView[]; meta: { total: number } };
  return { available: true, items: page.items, total: page.meta.total };
}
