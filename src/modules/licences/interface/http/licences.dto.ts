import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';
import { DEFAULT_EXPIRING_WITHIN_DAYS, LICENCE_STATUSES, MAX_EXPIRING_WITHIN_DAYS } from '../../domain/licence.js';
import { MAX_VALIDITY_MONTHS } from '../../domain/licence-type.js';

/** A date as YYYY-MM-DD in the years 1900-2999, the range the import accepts (parseDateCell). */
const DAY = /^(19|2\d)\d{2}-\d{2}-\d{2}$/;
const DATE_MESSAGE = 'must be a date as YYYY-MM-DD in the years 1900-2999';

export class CreateLicenceTypeDto {
  @ApiProperty({ example: 'RN-CA', description: 'Unique, 1-64 letters, digits, dots, dashes or underscores; stored upper case; cannot change later' })
  @IsString()
  @MaxLength(64)
  code: string;
  @ApiProperty({ example: 'Registered Nurse (California)' }) @IsString() @MaxLength(200) name: string;
  @ApiPropertyOptional({ example: 'California Board of Registered Nursing', nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  issuingBody?: string | null;
  @ApiPropertyOptional({ default: false, description: 'Licences of this type must have a number' }) @IsOptional() @IsBoolean() numberRequired?: boolean;
  @ApiPropertyOptional({ example: 24, nullable: true, type: Number, description: 'Months from the issue date to the expiry date when none is given; null: no expiry' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_VALIDITY_MONTHS)
  defaultValidityMonths?: number | null;
}

export class UpdateLicenceTypeDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(200) issuingBody?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() numberRequired?: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_VALIDITY_MONTHS)
  defaultValidityMonths?: number | null;
}

export class ListLicenceTypesQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'retired'] }) @IsOptional() @IsIn(['active', 'retired']) status?: 'active' | 'retired';
}

export class LicenceTypeDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'RN-CA' }) code: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) issuingBody: string | null;
  @ApiProperty() numberRequired: boolean;
  @ApiProperty({ nullable: true, type: Number }) defaultValidityMonths: number | null;
  @ApiProperty({ enum: ['active', 'retired'] }) status: string;
  @ApiPropertyOptional({ description: 'Licences of this type, organisation-wide: only for licences.types.manage' }) licences?: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: ['txt', 'xml'], default: 'txt' }) @IsOptional() @IsIn(['txt', 'xml']) format?: 'txt' | 'xml';
}

export class AddLicenceDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() userId: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() typeId?: string;
  @ApiPropertyOptional({ example: 'RN-CA' }) @IsOptional() @IsString() @MaxLength(64) typeCode?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(100) number?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'CA' }) @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(100) jurisdiction?: string | null;
  @ApiProperty({ example: '2025-03-01' }) @Matches(DAY, { message: `issuedOn ${DATE_MESSAGE}` }) @IsISO8601({ strict: true }) issuedOn: string;
  @ApiPropertyOptional({ example: '2027-03-01', nullable: true, type: String, description: "Empty: issue date + the type's default validity" })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(DAY, { message: `expiresOn ${DATE_MESSAGE}` })
  @IsISO8601({ strict: true })
  expiresOn?: string | null;
}

export class ChangeLicenceDto {
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(100) number?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(100) jurisdiction?: string | null;
  @ApiPropertyOptional() @IsOptional() @Matches(DAY, { message: `issuedOn ${DATE_MESSAGE}` }) @IsISO8601({ strict: true }) issuedOn?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: no expiry' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(DAY, { message: `expiresOn ${DATE_MESSAGE}` })
  @IsISO8601({ strict: true })
  expiresOn?: string | null;
}

export class ExpiringWithinQueryDto {
  @ApiPropertyOptional({ default: DEFAULT_EXPIRING_WITHIN_DAYS, minimum: 0, maximum: MAX_EXPIRING_WITHIN_DAYS, description: 'A licence ending within this many days is "expiring"' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_EXPIRING_WITHIN_DAYS)
  expiringWithinDays?: number;
}

export class ListLicencesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The learner' }) @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() typeId?: string;
  @ApiPropertyOptional({ example: 'RN-CA' }) @IsOptional() @IsString() @MaxLength(64) typeCode?: string;
  @ApiPropertyOptional({ enum: LICENCE_STATUSES }) @IsOptional() @IsIn(LICENCE_STATUSES) status?: 'active' | 'expiring' | 'expired';
  @ApiPropertyOptional({ example: '2027-01-01', description: 'Only licences expiring on or before this date' })
  @IsOptional()
  @Matches(DAY, { message: `expiringBefore ${DATE_MESSAGE}` })
  @IsISO8601({ strict: true })
  expiringBefore?: string;
  @ApiPropertyOptional({ default: DEFAULT_EXPIRING_WITHIN_DAYS, minimum: 0, maximum: MAX_EXPIRING_WITHIN_DAYS, description: 'A licence ending within this many days is "expiring"' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_EXPIRING_WITHIN_DAYS)
  expiringWithinDays?: number;
}

export class LicenceUserDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) userCode: string | null;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
}

export class LicenceTypeRefDto {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'retired'] }) status: string;
}

export class LicenceDto {
  @ApiProperty() id: string;
  @ApiProperty() user: LicenceUserDto;
  @ApiProperty() type: LicenceTypeRefDto;
  @ApiProperty({ nullable: true, type: String }) number: string | null;
  @ApiProperty({ nullable: true, type: String }) jurisdiction: string | null;
  @ApiProperty({ example: '2025-03-01' }) issuedOn: string;
  @ApiProperty({ nullable: true, type: String }) expiresOn: string | null;
  @ApiProperty({ enum: LICENCE_STATUSES, description: 'From the expiry date: expired, expiring (within expiringWithinDays), or active' }) status: string;
  @ApiProperty({ description: 'Grows with every change' }) version: number;
}

export class LicencePageDto {
  @ApiProperty({ type: [LicenceDto] }) items: LicenceDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class CreatedDto {
  @ApiProperty() id: string;
}
