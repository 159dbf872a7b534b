import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, MaxLength, Min, ValidateIf } from 'class-validator';
import { EXTERNAL_CERTIFICATE_STATES, type ExternalCertificateState } from '#libs/contracts/validation/index.js';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';

/** Multipart fields are strings: an empty field means "not given". */
const blankAsUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** The form fields of an upload (multipart/form-data, beside the file field `file`). Rules live in the domain. */
export class UploadExternalCertificateDto {
  @ApiProperty({ example: 'First aid (Red Cross)', maxLength: 200 }) @IsString() @MaxLength(1000) name: string;
  @ApiProperty({ example: '2026-03-14', description: 'YYYY-MM-DD, not in the future' }) @IsString() @MaxLength(40) deliveredOn: string;
  @ApiPropertyOptional({ example: '2028-03-14', description: 'YYYY-MM-DD, not before deliveredOn' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(40)
  expiresOn?: string;
  @ApiPropertyOptional({ description: 'An existing certificate definition; while validation is required only reviewers may set it' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsUUID()
  definitionId?: string;
  @ApiPropertyOptional({ example: '2.5', description: 'Only while the credits setting is on; >= 0, at most 2 decimals' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(40)
  credits?: string;
  @ApiPropertyOptional({ description: 'The learner; default: you. For someone else you need external-certificates.manage and them in your scope' })
  @Transform(blankAsUndefined)
  @IsOptional()
  @IsUUID()
  userId?: string;
}

export class ListExternalCertificatesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Default: you' }) @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ enum: EXTERNAL_CERTIFICATE_STATES }) @IsOptional() @IsIn(EXTERNAL_CERTIFICATE_STATES) state?: ExternalCertificateState;
}

const REVIEW_STATES = ['pending', ...EXTERNAL_CERTIFICATE_STATES] as const;

export class ListReviewsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REVIEW_STATES, default: 'pending' })
  @IsOptional()
  @IsIn(REVIEW_STATES)
  state: (typeof REVIEW_STATES)[number] = 'pending';
}

class ReviewEditsDto {
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(1000) name?: string;
  @ApiPropertyOptional({ example: '2026-03-14' }) @IsOptional() @IsString() @MaxLength(40) deliveredOn?: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2028-03-14', description: 'null: no expiry' })
  @ValidateIf((o: ReviewEditsDto) => o.expiresOn !== undefined && o.expiresOn !== null)
  @IsString()
  @MaxLength(40)
  expiresOn?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: no associated definition' })
  @ValidateIf((o: ReviewEditsDto) => o.definitionId !== undefined && o.definitionId !== null)
  @IsUUID()
  definitionId?: string | null;
}

export class EditExternalCertificateDto extends ReviewEditsDto {
  @ApiPropertyOptional({ description: 'The version you read: 409 VALIDATION.VERSION_CONFLICT when it changed since' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class ValidateExternalCertificateDto extends EditExternalCertificateDto {
  @ApiPropertyOptional({ maxLength: 4000 }) @IsOptional() @IsString() @MaxLength(8000) comment?: string;
}

export class RejectExternalCertificateDto {
  @ApiProperty({ maxLength: 4000, description: 'Why: required, not blank' }) @IsOptional() @IsString() @MaxLength(8000) comment?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) version?: number;
}

class PersonRefDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
}

class ReviewerRefDto extends PersonRefDto {
  @ApiProperty({ nullable: true, enum: ['manager', 'coach', 'group-admin', 'platform-admin'] }) tier: string | null;
}

class FileRefDto {
  @ApiProperty() fileName: string;
  @ApiProperty() size: number;
}

export class ExternalCertificateDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: EXTERNAL_CERTIFICATE_STATES }) state: ExternalCertificateState;
  @ApiProperty({ type: PersonRefDto }) user: PersonRefDto;
  @ApiProperty({ type: PersonRefDto }) uploadedBy: PersonRefDto;
  @ApiProperty() name: string;
  @ApiProperty() deliveredOn: string;
  @ApiProperty({ nullable: true, type: String }) expiresOn: string | null;
  @ApiProperty({ nullable: true, type: String }) definitionId: string | null;
  @ApiProperty({ nullable: true, type: Number }) credits: number | null;
  @ApiProperty({ type: FileRefDto }) file: FileRefDto;
  @ApiProperty({ nullable: true, type: ReviewerRefDto }) reviewer: ReviewerRefDto | null;
  @ApiProperty({ nullable: true, type: PersonRefDto }) fallbackReviewer: PersonRefDto | null;
  @ApiProperty() submittedAt: string;
  @ApiProperty({ nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({ nullable: true, type: PersonRefDto }) decidedBy: PersonRefDto | null;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ nullable: true, type: String }) remindedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) escalatedAt: string | null;
  @ApiProperty() version: number;
}

export class ExternalCertificatePageDto {
  @ApiProperty({ type: [ExternalCertificateDto] }) items: ExternalCertificateDto[];
  @ApiProperty({ type: PageMetaDto }) meta: PageMetaDto;
}

export class HistoryEntryDto {
  @ApiProperty() at: string;
  @ApiProperty({ nullable: true, type: PersonRefDto }) actor: PersonRefDto | null;
  @ApiProperty({ example: 'submitted', description: 'submitted, recorded, edited, validated, rejected, reviewer-changed' }) action: string;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
}

export class ReviewCountDto {
  @ApiProperty() pending: number;
}

class CreditLineDto {
  @ApiProperty() externalCertificateId: string;
  @ApiProperty() name: string;
  @ApiProperty() credits: number;
  @ApiProperty() validatedAt: string;
}

export class UserCreditsDto {
  @ApiProperty() userId: string;
  @ApiProperty() total: number;
  @ApiProperty({ type: [CreditLineDto] }) certificates: CreditLineDto[];
}
