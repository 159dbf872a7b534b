import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateIf, IsISO8601 } from 'class-validator';
import { CERTIFICATE_SOURCES } from '#libs/contracts/certificates/index.js';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';
import { MAX_VALIDITY_MONTHS } from '../../domain/certificate-definition.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Multipart fields are strings: an empty field means "not given". */
const blankAsUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  return value;
};

export class IdDto {
  @ApiProperty() id: string;
}

export class CategoryDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() definitionCount: number;
  @ApiProperty() createdAt: string;
}

export class SaveCategoryDto {
  @ApiProperty({ example: 'Safety' }) @IsString() @Length(1, 200) name: string;
}

export class DefinitionDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'VCA-BASIS' }) code: string;
  @ApiProperty() name: string;
  @ApiProperty() categoryId: string;
  @ApiProperty() categoryName: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Default validity in months; null: no expiry' }) validityMonths: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Prefix of automatic numbers; null: no automatic numbering' })
  numberPrefix: string | null;
  @ApiPropertyOptional({ description: 'Certificates of this definition, organisation-wide: only for who manages the catalogue' })
  certificateCount?: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ListDefinitionsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional({ description: 'Matches code or name' }) @IsOptional() @IsString() @MaxLength(200) search?: string;
}

export class CreateDefinitionDto {
  @ApiProperty({ example: 'VCA-BASIS', description: 'Unique code used by import files; stored in upper case; cannot be changed later' })
  @IsString()
  @Length(1, 64)
  code: string;
  @ApiProperty({ example: 'VCA Basisveiligheid' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty() @IsUUID() categoryId: string;
  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 1, maximum: MAX_VALIDITY_MONTHS, description: 'Omit or null: no expiry' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALIDITY_MONTHS)
  validityMonths?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'VCA-', description: 'Set to enable automatic numbers (prefix + 6 digits)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  numberPrefix?: string | null;
}

export class UpdateDefinitionDto {
  @ApiPropertyOptional() @ValidateIf((o: UpdateDefinitionDto) => o.name !== undefined) @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @ValidateIf((o: UpdateDefinitionDto) => o.categoryId !== undefined) @IsUUID() categoryId?: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'null: no expiry' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALIDITY_MONTHS)
  validityMonths?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: no automatic numbering' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  numberPrefix?: string | null;
}

export class AttachmentDto {
  @ApiProperty() id: string;
  @ApiProperty() fileName: string;
  @ApiProperty({ enum: ['application/pdf', 'image/png', 'image/jpeg'] }) mediaType: string;
  @ApiProperty() size: number;
}

export class ObtainedCertificateDto {
  @ApiProperty() id: string;
  @ApiProperty() userId: string;
  @ApiProperty() definitionId: string;
  @ApiProperty() definitionCode: string;
  @ApiProperty() definitionName: string;
  @ApiProperty({ example: '2026-03-01' }) dateObtained: string;
  @ApiProperty({ nullable: true, type: String, example: '2036-03-01' }) dateExpires: string | null;
  @ApiProperty({ nullable: true, type: String }) number: string | null;
  @ApiProperty() autoNumbered: boolean;
  @ApiProperty({ enum: CERTIFICATE_SOURCES }) source: string;
  @ApiProperty({ nullable: true, type: String }) registeredBy: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The external certificate (uploaded and validated or recorded) it came from' })
  externalCertificateId: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: [AttachmentDto] }) attachments: AttachmentDto[];
}

export class ObtainedCertificatePageDto {
  @ApiProperty({ type: [ObtainedCertificateDto] }) items: ObtainedCertificateDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListObtainedCertificatesQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() definitionId?: string;
  @ApiPropertyOptional({ description: 'Only certificates expiring before this date (YYYY-MM-DD)', example: '2027-01-01' })
  @IsOptional()
  @Matches(DATE, { message: 'expiringBefore must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'expiringBefore must be a date that exists' })
  expiringBefore?: string;
}

/** The text fields of POST /api/obtained-certificates (multipart/form-data, or JSON without a file). */
export class RegisterObtainedCertificateDto {
  @ApiProperty() @IsUUID() userId: string;
  @ApiPropertyOptional({ example: 'VCA-BASIS', description: 'definitionCode or definitionId' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  definitionCode?: string;
  @ApiPropertyOptional() @Transform(blankAsUndefined) @IsOptional() @IsUUID() definitionId?: string;
  @ApiProperty({ example: '2026-03-01' }) @IsString() @MaxLength(20) dateObtained: string;
  @ApiPropertyOptional({ example: '2036-03-01', description: 'Default: date obtained + the definition validity (or none)' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(20)
  dateExpires?: string;
  @ApiPropertyOptional({ description: 'A number issued elsewhere; not together with autoNumber' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  number?: string;
  @ApiPropertyOptional({ description: 'Take the next number of the definition sequence' })
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  autoNumber?: boolean;
}

