/**
 * The shapes of the imports API that the screens use. Mirrors the OpenAPI document (ImportDetailDto and
 * friends); deps.ts ties them to the generated schema so that a renamed field breaks the build.
 */
export type ImportStatus =
  | 'queued'
  | 'awaiting_mapping'
  | 'validating'
  | 'awaiting_confirmation'
  | 'processing'
  | 'completed'
  | 'completed_with_errors'
  | 'failed'
  | 'cancelled'
  | 'expired';

export const IMPORT_STATUSES: ImportStatus[] = [
  'queued',
  'awaiting_mapping',
  'validating',
  'awaiting_confirmation',
  'processing',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'expired',
];

export interface ImportColumn {
  key: string;
  header: string;
  mandatory: boolean;
  note: string;
  kind: string;
  aliases?: string[];
}

export interface ImportOption {
  key: string;
  kind: string;
  values?: string[];
  required: boolean;
  description: string;
}

export interface ImportType {
  key: string;
  title: string;
  description: string;
  permission: string;
  fileKinds: string[];
  templateFileName: string;
  columns: ImportColumn[];
  options: ImportOption[];
  validateOnlyByDefault: boolean;
}

export interface TranslatedMessage {
  code: string;
  message: string;
  column?: string;
  params?: Record<string, unknown>;
}

export interface MappingSuggestion {
  header: string;
  index: number;
  key: string | null;
  confidence: number;
  reason: string;
}

export interface ImportPreview {
  headers: string[];
  sampleRows: string[][];
  suggestions: MappingSuggestion[];
  columns: ImportColumn[];
  options: ImportOption[];
  unmappedMandatory: string[];
  warnings: TranslatedMessage[];
}

export interface ImportCounts {
  total: number;
  validated: number;
  valid: number;
  processed: number;
  succeeded: number;
  failed: number;
  skipped: number;
  withWarnings: number;
}

export interface WarningGroup {
  code: string;
  message: string;
  rows: number;
  needsConfirmation: boolean;
}

export interface ImportSummary {
  id: string;
  type: string;
  status: string;
  validateOnly: boolean;
  fileName: string;
  fileSize: number;
  startedBy: { id: string; name: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  counts: ImportCounts;
  progressPercent: number;
  rowsPerSecond: number | null;
  failure: TranslatedMessage | null;
  warnings: TranslatedMessage[];
  retryOf: string | null;
  mode: string;
  undoOf: string | null;
  autoConfirm: boolean;
  expiresAt: string | null;
  version: number;
  verdict: { outcome: string; message: string } | null;
}

export interface ImportDetail extends ImportSummary {
  header: string[];
  preview: ImportPreview | null;
  mapping: Record<string, string | null> | null;
  options: Record<string, unknown>;
  validation: { warningGroups: WarningGroup[]; toConfirm: string[]; checkProblems: TranslatedMessage[] } | null;
  acknowledgedWarnings: string[];
}

export interface ImportRow {
  rowNumber: number;
  status: string;
  errors: TranslatedMessage[];
  warnings: TranslatedMessage[];
  values: Record<string, string>;
  entityId: string | null;
}

export interface RowCode {
  code: string;
  kind: string;
  message: string;
  rows: number;
}

export interface Page<T> {
  items: T[];
  meta: { page: number; pageSize: number; total: number };
}
