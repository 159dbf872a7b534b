import type { paths } from '../api/schema';
import type { ImportDetail, ImportRow, ImportSummary, ImportType, Page, RowCode } from './types';

/** GET /api/imports's query (type, status, who, when), as the OpenAPI document has it. */
export type ImportListFilter = NonNullable<paths['/api/imports']['get']['parameters']['query']> & { page: number; pageSize: number };

/** GET /api/imports/{id}/rows's query (outcome, code). */
export type RowFilter = NonNullable<paths['/api/imports/{id}/rows']['get']['parameters']['query']> & { page: number; pageSize: number };
export type RowOutcome = NonNullable<RowFilter['outcome']>;

/** The calls of the imports API the screens make; every method rejects with a Problem. */
export interface ImportsApi {
  types(): Promise<ImportType[]>;
  list(filter: ImportListFilter): Promise<Page<ImportSummary>>;
  get(id: string): Promise<ImportDetail>;
  rows(id: string, filter: RowFilter): Promise<Page<ImportRow>>;
  rowCodes(id: string): Promise<RowCode[]>;
  setMapping(id: string, mapping: Record<string, string | null>, options: Record<string, unknown>): Promise<ImportDetail>;
  confirm(id: string, acknowledgedWarnings: string[]): Promise<ImportDetail>;
  cancel(id: string): Promise<ImportDetail>;
  undo(id: string): Promise<{ id: string }>;
  run(id: string): Promise<{ id: string }>;
  ticket(id: string): Promise<{ url: string }>;
  /** POST /api/imports/:id/download-ticket → a one-time URL the browser downloads the file from itself. */
  downloadTicket(id: string, file: 'error-file' | 'results-file', format: 'xlsx' | 'csv' | 'txt'): Promise<{ url: string }>;
  /** A list the options form offers (groups, roles, ...): any GET answering an array or a page. */
  entities(path: string): Promise<unknown>;
}
