import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';
import { IMPORT_STATUSES, type ImportStatus } from '../../domain/import-lifecycle.js';

export class ImportColumnDto {
  @ApiProperty() key: string;
  @ApiProperty() header: string;
  @ApiProperty() mandatory: boolean;
  @ApiProperty() note: string;
  @ApiProperty({ enum: ['text', 'date', 'boolean', 'file'] }) kind: string;
  @ApiPropertyOptional({ type: [String] }) aliases?: string[];
}

export class ImportTypeDto {
  @ApiProperty({ example: 'obtained-certificates-with-files' }) key: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: 'imports.obtained-certificates-with-files' }) permission: string;
  @ApiProperty({ type: [String], example: ['zip'] }) fileKinds: string[];
  @ApiProperty({ example: 'certificatesWithFiles_template.xlsx' }) templateFileName: string;
  @ApiProperty({ type: [ImportColumnDto] }) columns: ImportColumnDto[];
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

  @ApiPropertyOptional({ description: 'JSON object, e.g. {"columnMapping": {"Personeelsnummer": "userCode"}}' })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  options?: string;
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
  @ApiProperty() processed: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty() skipped: number;
  @ApiProperty() withWarnings: number;
}

export class StartedByDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
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
  @ApiProperty({ description: 'Grows with every change of the import; the id of its Server-Sent Events' }) version: number;
}

export class StreamTicketDto {
  @ApiProperty({ description: 'One-time ticket for this import\'s event stream' }) ticket: string;
  @ApiProperty({ example: '/api/imports/<id>/events?ticket=...', description: 'Open this URL with EventSource (no Authorization header needed)' }) url: string;
  @ApiProperty({ example: 60 }) expiresInSeconds: number;
}

export class ImportDetailDto extends ImportDto {
  @ApiProperty({ type: [String], description: 'Headers of the uploaded sheet' }) header: string[];
}

export class ImportPageDto {
  @ApiProperty({ type: [ImportDto] }) items: ImportDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListImportsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) type?: string;
  @ApiPropertyOptional({ enum: IMPORT_STATUSES }) @IsOptional() @IsIn([...IMPORT_STATUSES]) status?: ImportStatus;
}

export class ImportRowDto {
  @ApiProperty() rowNumber: number;
  @ApiProperty({ enum: ['succeeded', 'failed', 'skipped'] }) status: string;
  @ApiProperty({ type: [TranslatedMessageDto] }) errors: TranslatedMessageDto[];
  @ApiProperty({ type: [TranslatedMessageDto] }) warnings: TranslatedMessageDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The row as uploaded, by header' }) values: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) entityId: string | null;
}

export class ImportRowPageDto {
  @ApiProperty({ type: [ImportRowDto] }) items: ImportRowDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListImportRowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['succeeded', 'failed', 'skipped', 'warnings'] })
  @IsOptional()
  @IsIn(['succeeded', 'failed', 'skipped', 'warnings'])
  outcome?: 'succeeded' | 'failed' | 'skipped' | 'warnings';
}

export class FormatQueryDto {
  @ApiPropertyOptional({ enum: ['xlsx', 'csv'], default: 'xlsx' }) @IsOptional() @IsIn(['xlsx', 'csv']) format?: 'xlsx' | 'csv';
  @ApiPropertyOptional({
    enum: ['comma', 'semicolon', 'tab'],
    default: 'comma',
    description: 'CSV separator; Dutch and German Excel open semicolon files directly',
  })
  @IsOptional()
  @IsIn(['comma', 'semicolon', 'tab'])
  delimiter?: 'comma' | 'semicolon' | 'tab';
}

export const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t' } as const;
