import { expect } from 'vitest';
import { eventually, type Http } from './http.js';

export const CERTIFICATE_HEADER = ['User Code', 'Certificate Definition Code', 'Date Obtained', 'Date Expires', 'Number', 'Auto Number'];
export const WITH_FILES_HEADER = ['File Name', ...CERTIFICATE_HEADER];

export interface ImportBody {
  id: string;
  status: string;
  counts: { total: number; validated: number; valid: number; processed: number; succeeded: number; failed: number; skipped: number; withWarnings: number };
  failure: { code: string; message: string; params?: Record<string, unknown> } | null;
  warnings: { code: string; message: string; params?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/**
 * Uploads a file as an import and returns its id (asserting 202). Auto-confirmed unless the fields say
 * otherwise (`autoConfirm: 'false'`): the tests of the staged flow stop in awaiting_mapping themselves.
 */
export async function startImport(http: Http, type: string, fileName: string, content: Buffer, fields: Record<string, string> = {}): Promise<string> {
  const response = await http.upload('/api/imports', { type, autoConfirm: 'true', ...fields }, [{ field: 'file', fileName, content }]);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.id as string;
}

/** Waits until the import has ended and returns it. */
export async function finished(http: Http, id: string, timeoutMs = 60_000): Promise<ImportBody> {
  return eventually(async () => {
    const response = await http.get<ImportBody>(`/api/imports/${id}`);
    return ['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'].includes(response.body.status) ? response.body : undefined;
  }, timeoutMs, 100);
}

export async function rowsOf(http: Http, id: string, outcome?: string) {
  const response = await http.get(`/api/imports/${id}/rows?pageSize=500${outcome ? `&outcome=${outcome}` : ''}`);
  expect(response.status).toBe(200);
  return response.body.items as { rowNumber: number; status: string; errors: { code: string; message: string; column?: string }[]; warnings: { code: string; message: string }[]; values: Record<string, string>; entityId: string | null }[];
}

/** Waits until the import is in `status` (a waiting one: awaiting_mapping, awaiting_confirmation) and returns it. */
export async function reached(http: Http, id: string, status: string, timeoutMs = 60_000): Promise<ImportBody> {
  return eventually(async () => {
    const response = await http.get<ImportBody>(`/api/imports/${id}`);
    if (response.body.status === status) return response.body;
    if (['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'].includes(response.body.status)) {
      throw new Error(`import ended as ${response.body.status} before reaching ${status}: ${JSON.stringify(response.body.failure)}`);
    }
    return undefined;
  }, timeoutMs, 100);
}
