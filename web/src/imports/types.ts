import type { components } from '../api/schema';

/**
 * The shapes of the imports API that the screens use: the generated OpenAPI types (web/src/api/schema.d.ts),
 * so a renamed field breaks the build, not the page.
 */

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

type Schemas = components['schemas'];

export type ImportStatus = Schemas['ImportDto']['status'];

export type ImportColumn = Schemas['ImportColumnDto'];
export type ImportOption = Schemas['ImportOptionDto'];
export type ImportType = Schemas['ImportTypeDto'];
export type TranslatedMessage = Schemas['TranslatedMessageDto'];
export type MappingSuggestion = Schemas['MappingSuggestionDto'];
export type ImportPreview = Schemas['ImportPreviewDto'];
export type ImportCounts = Schemas['ImportCountsDto'];
export type WarningGroup = Schemas['WarningGroupDto'];
export type ImportSummary = Schemas['ImportDto'];
export type ImportDetail = Schemas['ImportDetailDto'];
export type ImportRow = Schemas['ImportRowDto'];
export type RowCode = Schemas['RowCodeDto'];

export interface Page<T> {
  items: T[];
  meta: Schemas['PageMetaDto'];
}
