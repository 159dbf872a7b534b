import { expect } from 'vitest';
import { eventually, type Http } from './http.js';

export const CERTIFICATE_HEADER = ['User Code', 'Certificate Definition Code', 'Date Obtained', 'Date Expires', 'Number', 'Auto Number'];
export const WITH_FILES_HEADER = ['File Name', ...CERTIFICATE_HEADER];

export interface ImportBody {
  id: string;
  status: string;
  counts: { total: number; processed: number; succeeded: number; failed: number; skipped: number; withWarnings: number };
  failure: { code: string; message: string; params?: Record<string, unknown> } | null;
  warnings: { code: string; message: string; params?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** Uploads a file as an import and returns its id (asserting 202). */
export async function startImport(http: Http, type: string, fileName: string, content: Buffer, fields: Record<string, string> = {}): Promise<string> {
  const response = await http.upload('/api/imports', { type, ...fields }, [{ field: 'file', fileName, content }]);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.id as string;
}

/** Waits until the import has ended and returns it. */
export async function finished(http: Http, id: string, timeoutMs = 60_000): Promise<ImportBody> {
  return eventually(async () => {
    const response = await http.get<ImportBody>(`/api/imports/${id}`);
    return ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(response.body.status) ? response.body : undefined;
  }, timeoutMs, 100);
}

export async function rowsOf(http: Http, id: string, outcome?: string) {
  const response = await http.get(`/api/imports/${id}/rows?pageSize=500${outcome ? `&outcome=${outcome}` : ''}`);
  expect(response.status).toBe(200);
  return response.body.items as { rowNumber: number; status: string; errors: { code: string; message: string; column?: string }[]; warnings: { code: string; message: string }[]; values: Record<string, string>; entityId: string | null }[];
}
