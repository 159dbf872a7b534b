import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';
import { IMPORT_STATUSES, type ImportStatus } from '../../domain/import-lifecycle.js';

export class ImportColumnDto {
  @ApiProperty() key: string;
  @ApiProperty() header: string;
  @ApiProperty() mandatory: boolean;
  @ApiPropertyOptional({ description: 'Columns sharing this name: at least one of them must be mapped (e.g. `match`: credential id, recipient id or email)' })
  mandatoryOneOf?: string;
  @ApiProperty() note: string;
  @ApiProperty({ enum: ['text', 'date', 'boolean', 'file'] }) kind: string;
  @ApiPropertyOptional({ type: [String] }) aliases?: string[];
}

export class ImportOptionDto {
  @ApiProperty({ example: 'groupIds' }) key: string;
  @ApiProperty({ enum: ['boolean', 'string', 'integer', 'uuid', 'string-list', 'uuid-list'] }) kind: string;
  @ApiPropertyOptional({ type: [String] }) values?: string[];
  @ApiProperty() required: boolean;
  @ApiProperty() description: string;
}

export class ImportTypeDto {
  @ApiProperty({ example: 'obtained-certificates-with-files' }) key: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: 'imports.obtained-certificates-with-files' }) permission: string;
  @ApiProperty({ type: [String], example: ['zip'] }) fileKinds: string[];
  @ApiProperty({ example: 'certificatesWithFiles_template.xlsx' }) templateFileName: string;
  @ApiProperty({ type: [ImportColumnDto] }) columns: ImportColumnDto[];
  @ApiProperty({ type: [ImportOptionDto], description: 'Options of PUT /api/imports/{id}/mapping (and the upload)' }) options: ImportOptionDto[];
  @ApiProperty({ description: 'Imports of this type stop after validation unless validateOnly=false' }) validateOnlyByDefault: boolean;
  @ApiProperty({ description: 'Its imports can be undone (POST /api/imports/{id}/undo); otherwise undo answers 409 IMPORTS.UNDO_NOT_SUPPORTED' }) supportsUndo: boolean;
}

export class StartImportBodyDto {
  @ApiProperty({ example: 'obtained-certificates', description: 'Import type key (GET /api/import-types)' })
  @IsString()
  @MaxLength(100)
  type: string;

  @ApiPropertyOptional({ description: '"true": check every row and record outcomes, write nothing', default: 'false' })
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  validateOnly?: string;

  @ApiPropertyOptional({ description: "JSON object: the type's options (GET /api/import-types lists them)" })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  options?: string;

  @ApiPropertyOptional({
    description:
      '"true": when the mapping is complete (template headers, aliases, your remembered mapping, or `mapping`), validate and run without stopping, ' +
      'unless a warning needs confirming or the import-level check fails. Default: stop in awaiting_mapping.',
    default: 'false',
  })
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  autoConfirm?: string;

  @ApiPropertyOptional({ description: 'JSON object header -> column key (or null to skip), e.g. {"Personeelsnummer": "userCode"}' })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  mapping?: string;
}

export class SetImportMappingBodyDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { 'E-mailadres': 'email', Opmerkingen: null },
    description: 'Header of the file -> column key, or null to skip it. Headers left out are skipped.',
  })
  @IsObject()
  mapping: Record<string, string | null>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "The type's options (its schema is in GET /api/import-types)" })
  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;
}

export class ConfirmImportBodyDto {
  @ApiProperty({ type: [String], example: ['CREDENTIALS.EMAIL_CHANGED'], description: 'Codes of the warnings you accept (validation.toConfirm)' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  acknowledgedWarnings: string[];
}

export class MappingSuggestionDto {
  @ApiProperty() header: string;
  @ApiProperty() index: number;
  @ApiProperty({ nullable: true, type: String }) key: string | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence: number;
  @ApiProperty({ enum: ['remembered', 'exact', 'alias', 'fuzzy', 'none'] }) reason: string;
}

export class StartedImportDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'queued' }) status: string;
  @ApiProperty({ example: '/api/imports/3f1c…' }) href: string;
  @ApiProperty({ example: '/api/imports/3f1c…/events' }) events: string;
}

export class TranslatedMessageDto {
  @ApiProperty({ example: 'CERTIFICATES.IMPORT_USER_CODE_NOT_FOUND' }) code: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional() column?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) params?: Record<string, string | number>;
}

export class ImportCountsDto {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Rows validated so far' }) validated: number;
  @ApiProperty({ description: 'Rows that passed validation and have not run (yet)' }) valid: number;
  @ApiProperty({ description: 'Rows run so far' }) processed: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty() skipped: number;
  @ApiProperty() withWarnings: number;
}

export class StartedByDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class ImportVerdictDto {
  @ApiProperty({ enum: ['likely_to_succeed', 'errors_found'] }) outcome: string;
  @ApiProperty({ description: 'The answer in words, in the language of Accept-Language, with the counts' }) message: string;
}

export class ImportDto {
  @ApiProperty() id: string;
  @ApiProperty() type: string;
  @ApiProperty({ enum: IMPORT_STATUSES }) status: string;
  @ApiProperty() validateOnly: boolean;
  @ApiProperty() fileName: string;
  @ApiProperty() fileSize: number;
  @ApiProperty() startedBy: StartedByDto;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) durationMs: number | null;
  @ApiProperty() counts: ImportCountsDto;
  @ApiProperty({ minimum: 0, maximum: 100 }) progressPercent: number;
  @ApiProperty({ nullable: true, type: Number }) rowsPerSecond: number | null;
  @ApiProperty({ nullable: true, type: TranslatedMessageDto, description: 'Why the whole file was refused' }) failure: TranslatedMessageDto | null;
  @ApiProperty({ type: [TranslatedMessageDto], description: 'Import-level warnings (unused files, ignored columns, ...)' })
  warnings: TranslatedMessageDto[];
  @ApiProperty({ nullable: true, type: String, description: 'The import this one re-runs' }) retryOf: string | null;
  @ApiProperty({ enum: ['import', 'undo'] }) mode: string;
  @ApiProperty({ nullable: true, type: String, description: 'The import this one reverts (mode undo)' }) undoOf: string | null;
  @ApiProperty() autoConfirm: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'When a waiting import expires' }) expiresAt: string | null;
  @ApiProperty({ description: 'Grows with every change of the import; the id of its Server-Sent Events' }) version: number;
  @ApiProperty({
    nullable: true,
    type: ImportVerdictDto,
    description:
      'A validate-only import that has ended: likely_to_succeed (no row failed; counts and warnings in the message) or errors_found (a row failed, or the file was refused). Null for other imports and while running.',
  })
  verdict: ImportVerdictDto | null;
}

export class StreamTicketDto {
  @ApiProperty({ description: 'One-time ticket for this import\'s event stream' }) ticket: string;
  @ApiProperty({ example: '/api/imports/<id>/events?ticket=...', description: 'Open this URL with EventSource (no Authorization header needed)' }) url: string;
  @ApiProperty({ example: 60 }) expiresInSeconds: number;
}

export class DownloadTicketBodyDto {
  @ApiProperty({ enum: ['error-file', 'results-file'], description: 'Which file of the import the ticket downloads' })
  @IsIn(['error-file', 'results-file'])
  file: 'error-file' | 'results-file';
  @ApiPropertyOptional({ enum: ['xlsx', 'csv', 'txt'], description: 'Without it: xlsx' })
  @IsOptional()
  @IsIn(['xlsx', 'csv', 'txt'])
  format?: 'xlsx' | 'csv' | 'txt';
  @ApiPropertyOptional({ enum: ['comma', 'semicolon', 'tab'], description: 'CSV separator; without it: comma' })
  @IsOptional()
  @IsIn(['comma', 'semicolon', 'tab'])
  delimiter?: 'comma' | 'semicolon' | 'tab';
}

export class DownloadTicketDto {
  @ApiProperty({ description: 'One-time ticket for this download' }) ticket: string;
  @ApiProperty({
    example: '/api/imports/<id>/results-file?format=xlsx&lang=en&ticket=...',
    description: 'Open this URL in the browser (a link or location change, no Authorization header): the browser downloads the file itself, streamed to disk. It works once.',
  })
  url: string;
  @ApiProperty({ example: 60 }) expiresInSeconds: number;
}

export class WarningGroupDto {
  @ApiProperty() code: string;
  @ApiProperty() message: string;
  @ApiProperty({ description: 'Rows with this warning' }) rows: number;
  @ApiProperty({ description: 'Must be acknowledged in POST /confirm' }) needsConfirmation: boolean;
}

export class ImportValidationDto {
  @ApiProperty({ type: [WarningGroupDto] }) warningGroups: WarningGroupDto[];
  @ApiProperty({ type: [String], description: 'Warning codes to acknowledge before the run' }) toConfirm: string[];
  @ApiProperty({ type: [TranslatedMessageDto], description: "The type's import-level check: problems that stop the run" }) checkProblems: TranslatedMessageDto[];
}

export class ImportPreviewDto {
  @ApiProperty({ type: [String] }) headers: string[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'string' } }, description: 'The first rows of the file' }) sampleRows: string[][];
  @ApiProperty({ type: [MappingSuggestionDto] }) suggestions: MappingSuggestionDto[];
  @ApiProperty({ type: [ImportColumnDto], description: 'Columns you may map (for the options sent with the upload)' }) columns: ImportColumnDto[];
  @ApiProperty({ type: [ImportOptionDto], description: 'The options the type accepts' }) options: ImportOptionDto[];
  @ApiProperty({ type: [String], description: 'Headers of mandatory columns no header is suggested for' }) unmappedMandatory: string[];
  @ApiProperty({ type: [TranslatedMessageDto] }) warnings: TranslatedMessageDto[];
}

export class ImportDetailDto extends ImportDto {
  @ApiProperty({ type: [String], description: 'Headers of the uploaded sheet' }) header: string[];
  @ApiProperty({ nullable: true, type: ImportPreviewDto, description: 'Set once the header has been read' }) preview: ImportPreviewDto | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'string', nullable: true } }) mapping: Record<string, string | null> | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) options: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: ImportValidationDto, description: 'What validation found (awaiting_confirmation and after)' }) validation: ImportValidationDto | null;
  @ApiProperty({ type: [String] }) acknowledgedWarnings: string[];
}

export class ImportPageDto {
  @ApiProperty({ type: [ImportDto] }) items: ImportDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListImportsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) type?: string;
  @ApiPropertyOptional({ enum: IMPORT_STATUSES }) @IsOptional() @IsIn([...IMPORT_STATUSES]) status?: ImportStatus;
  @ApiPropertyOptional({ description: 'Only imports started by this user (id)' }) @IsOptional() @IsUUID() startedBy?: string;
  @ApiPropertyOptional({ description: 'Only imports whose starter\'s name contains this text (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  startedByName?: string;
  @ApiPropertyOptional({ description: 'Created at or after this instant (ISO 8601; a date alone means its start, UTC)', example: '2026-11-01' })
  @IsOptional()
  @IsISO8601()
  createdFrom?: string;
  @ApiPropertyOptional({ description: 'Created before this instant (ISO 8601; exclusive)', example: '2026-12-01' })
  @IsOptional()
  @IsISO8601()
  createdBefore?: string;
}

export class ImportRowDto {
  @ApiProperty() rowNumber: number;
  @ApiProperty({ enum: ['valid', 'succeeded', 'failed', 'skipped'], description: 'valid: passed validation, not run (yet)' }) status: string;
  @ApiProperty({ type: [TranslatedMessageDto] }) errors: TranslatedMessageDto[];
  @ApiProperty({ type: [TranslatedMessageDto] }) warnings: TranslatedMessageDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The row as uploaded, by header' }) values: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) entityId: string | null;
}

export class ImportRowPageDto {
  @ApiProperty({ type: [ImportRowDto] }) items: ImportRowDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ImportChangeDto {
  @ApiProperty() rowNumber: number;
  @ApiProperty({ example: 'credential' }) entity: string;
  @ApiProperty() id: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The values the row changed, as they were before (null: the row created it)' })
  before: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The same values after the row (null: the row deleted it)' })
  after: Record<string, unknown> | null;
}

export class ImportChangePageDto {
  @ApiProperty({ type: [ImportChangeDto] }) items: ImportChangeDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListImportRowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['valid', 'succeeded', 'failed', 'skipped', 'warnings'] })
  @IsOptional()
  @IsIn(['valid', 'succeeded', 'failed', 'skipped', 'warnings'])
  outcome?: 'valid' | 'succeeded' | 'failed' | 'skipped' | 'warnings';

  @ApiPropertyOptional({ description: 'Only rows with an error or warning of this code (GET /api/imports/{id}/row-codes lists them)', example: 'USERS.IMPORT_EMAIL_INVALID' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]+$/)
  @MaxLength(200)
  code?: string;
}

export class RowCodeDto {
  @ApiProperty({ example: 'USERS.IMPORT_EMAIL_INVALID' }) code: string;
  @ApiProperty({ enum: ['error', 'warning'] }) kind: string;
  @ApiProperty({ description: 'The message without its row-specific values, in the language of Accept-Language' }) message: string;
  @ApiProperty({ description: 'Rows that carry it' }) rows: number;
}

export class FormatQueryDto {
  @ApiPropertyOptional({ enum: ['xlsx', 'csv', 'txt'], default: 'xlsx', description: 'txt: tab-delimited text (UTF-8 with BOM, CRLF), as Excel\'s "Text (Tab delimited)"' })
  @IsOptional()
  @IsIn(['xlsx', 'csv', 'txt'])
  format?: 'xlsx' | 'csv' | 'txt';
  @ApiPropertyOptional({
    enum: ['comma', 'semicolon', 'tab'],
    default: 'comma',
    description: 'CSV separator; Dutch and German Excel open semicolon files directly',
  })
  @IsOptional()
  @IsIn(['comma', 'semicolon', 'tab'])
  delimiter?: 'comma' | 'semicolon' | 'tab';
}

/** A file of an import: its format, and the language of its headers and messages (a download ticket's link cannot set Accept-Language). */
export class ImportFileQueryDto extends FormatQueryDto {
  @ApiPropertyOptional({ enum: ['en', 'nl'], description: 'Language of the headers and messages; without it, Accept-Language' })
  @IsOptional()
  @IsIn(['en', 'nl'])
  lang?: 'en' | 'nl';
  @ApiPropertyOptional({ description: 'One-time ticket from POST /api/imports/{id}/download-ticket, instead of the Authorization header' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ticket?: string;
}

export class TemplateQueryDto extends FormatQueryDto {
  @ApiPropertyOptional({ description: "JSON object with the type's options; the template then lists the columns they open (a group's custom attributes)" })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  options?: string;
}

export const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t' } as const;
