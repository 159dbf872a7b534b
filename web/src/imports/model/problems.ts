/** An error answer of the API (RFC 9457 problem details with a stable code), as the screens show it. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  params?: Record<string, unknown>;
  errors?: { field?: string; code: string; message: string }[];
}

/** Reads a problem document from a parsed body; anything else becomes a generic problem with the status. */
export function toProblem(status: number, body: unknown, fallback: string): Problem {
  if (body && typeof body === 'object' && 'code' in body) {
    const doc = body as { code: unknown; detail?: unknown; title?: unknown; params?: unknown; errors?: unknown };
    return {
      status,
      code: String(doc.code),
      message: String(doc.detail ?? doc.title ?? fallback),
      params: doc.params && typeof doc.params === 'object' ? (doc.params as Record<string, unknown>) : undefined,
      errors: Array.isArray(doc.errors) ? (doc.errors as Problem['errors']) : undefined,
    };
  }
  return { status, code: status === 0 ? 'NETWORK' : `HTTP_${status}`, message: fallback };
}

export function isProblem(value: unknown): value is Problem {
  return !!value && typeof value === 'object' && 'code' in value && 'status' in value && 'message' in value;
}

/** Where each message of a refused mapping belongs: a header of the file, an option, or the form as a whole. */
export interface PlacedProblems {
  headers: Record<string, string[]>;
  options: Record<string, string[]>;
  general: string[];
}

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Places a 400/403 of PUT /mapping (or of the upload) next to the fields it is about. Field names come
 * from the API (`mapping.<header>`, `options.<key>`); a refusal without one (a type's own scope check,
 * e.g. USERS.IMPORT_GROUP_NOT_ALLOWED {groupId}) goes to the option its parameters or its code name.
 */
export function placeProblem(problem: Problem, optionKeys: string[], headers: string[]): PlacedProblems {
  const placed: PlacedProblems = { headers: {}, options: {}, general: [] };
  const add = (bucket: Record<string, string[]>, key: string, message: string) => (bucket[key] = [...(bucket[key] ?? []), message]);
  const details = problem.errors?.length ? problem.errors : [{ field: undefined, code: problem.code, message: problem.message }];
  for (const detail of details) {
    const field = detail.field ?? '';
    if (field.startsWith('mapping.') && headers.includes(field.slice('mapping.'.length))) {
      add(placed.headers, field.slice('mapping.'.length), detail.message);
    } else if (field.startsWith('options.')) {
      const key = field.slice('options.'.length).split('.')[0];
      if (optionKeys.includes(key)) add(placed.options, key, detail.message);
      else placed.general.push(detail.message);
    } else {
      const option = field ? undefined : optionNamedBy(detail.code, problem.params ?? {}, optionKeys);
      if (option) add(placed.options, option, detail.message);
      else placed.general.push(detail.message);
    }
  }
  return placed;
}

function optionNamedBy(code: string, params: Record<string, unknown>, optionKeys: string[]): string | undefined {
  for (const param of Object.keys(params)) {
    const hit = optionKeys.find((key) => squash(key) === squash(param) || squash(key) === `${squash(param)}s`);
    if (hit) return hit;
  }
  const name = squash(code.split('.').pop() ?? '');
  const inCode = [...optionKeys].sort((a, b) => b.length - a.length).find((key) => squash(key).length > 2 && name.includes(squash(key)));
  if (inCode) return inCode;
  // Granting a role that carries more than the admin holds.
  if (code.endsWith('GRANT_BEYOND_OWN_PERMISSIONS') && optionKeys.includes('role')) return 'role';
  return undefined;
}

/** The codes a 409 of POST /confirm names as not acknowledged (IMPORTS.WARNINGS_NOT_ACKNOWLEDGED {codes}). */
export function unacknowledgedCodes(problem: Problem): string[] {
  if (problem.code !== 'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED') return [];
  const codes = problem.params?.codes;
  return typeof codes === 'string' ? codes.split(',').map((code) => code.trim()).filter(Boolean) : [];
}
