import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class IdDto {
  @ApiProperty() id: string;
}

export class VersionDto {
  @ApiProperty() version: number;
}

export class UpdatedCredentialDto extends VersionDto {
  @ApiProperty({ description: 'True when the update renewed an expired credential (one credit was debited)' }) renewed: boolean;
}

// Designs

export class DesignDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], example: ['recipient.name', 'attributes.hours'] }) placeholders: string[];
  @ApiProperty({ description: 'Credential groups that use it' }) groupCount: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreateDesignDto {
  @ApiProperty({ example: 'Safety certificate 2026' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ type: [String], example: ['recipient.name', 'issuedOn', 'attributes.hours'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  placeholders?: string[];
}

export class UpdateDesignDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) placeholders?: string[];
}

// Groups

export class AttributeDefinitionDto {
  @ApiProperty({ example: 'hours', description: 'lower-case letters, digits, underscores; starts with a letter' }) @IsString() @Length(1, 40) key: string;
  @ApiProperty({ example: 'Training hours' }) @IsString() @Length(1, 100) label: string;
  @ApiProperty({ enum: ['text', 'number', 'date'] }) @IsIn(['text', 'number', 'date']) kind: 'text' | 'number' | 'date';
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() required?: boolean;
}

export class GroupDesignDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) placeholders: string[];
}

export class CredentialGroupDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) course: string | null;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: GroupDesignDto }) design: GroupDesignDto;
  @ApiProperty({ nullable: true, type: String, description: 'The user group whose admins manage it; null: platform admins only' }) ownerGroupId: string | null;
  @ApiProperty({ type: [AttributeDefinitionDto] }) customAttributes: AttributeDefinitionDto[];
  @ApiProperty() credentialCount: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ListGroupsQueryDto {
  @ApiPropertyOptional({ description: 'Matches name or course' }) @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() designId?: string;
}

export class CreateCredentialGroupDto {
  @ApiProperty({ example: 'Forklift operators 2026' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(200) course?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(2000) description?: string | null;
  @ApiProperty() @IsUUID() designId: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'A user group you administer; omit or null: platform admins only (only they may)' })
  @IsOptional()
  @IsUUID()
  ownerGroupId?: string | null;
  @ApiPropertyOptional({ type: [AttributeDefinitionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => AttributeDefinitionDto)
  customAttributes?: AttributeDefinitionDto[];
}

export class UpdateCredentialGroupDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(200) course?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(2000) description?: string | null;
  @ApiPropertyOptional({ description: 'Another design: one update, every credential of the group shows it at once' }) @IsOptional() @IsUUID() designId?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsUUID() ownerGroupId?: string | null;
  @ApiPropertyOptional({
    type: [AttributeDefinitionDto],
    description: 'The complete new list. Refused: removing or changing the kind of an attribute some credential has a value for; requiring one some credential lacks',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => AttributeDefinitionDto)
  customAttributes?: AttributeDefinitionDto[];
}

// Credentials

export class CredentialDesignDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class CredentialDto {
  @ApiProperty() id: string;
  @ApiProperty() groupId: string;
  @ApiProperty() groupName: string;
  @ApiProperty({ type: CredentialDesignDto, description: "The group's design (referenced, not copied)" }) design: CredentialDesignDto;
  @ApiProperty() recipientName: string;
  @ApiProperty() recipientEmail: string;
  @ApiProperty({ nullable: true, type: String }) recipientId: string | null;
  @ApiProperty({ example: '2026-01-15' }) issuedOn: string;
  @ApiProperty({ nullable: true, type: String, example: '2028-01-15' }) expiresOn: string | null;
  @ApiProperty({ nullable: true, type: String }) grade: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes: Record<string, string | number>;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status: string;
  @ApiProperty({ type: [String], description: 'Fields the recipient corrected themselves (recipientName)' }) correctedFields: string[];
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty({ description: 'Send it back as expectedVersion when updating' }) version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CredentialPageDto {
  @ApiProperty({ type: [CredentialDto] }) items: CredentialDto[];
  @ApiProperty({ type: PageMetaDto }) meta: PageMetaDto;
}

export class ListCredentialsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() groupId?: string;
  @ApiPropertyOptional({ enum: ['active', 'expired', 'revoked'] }) @IsOptional() @IsIn(['active', 'expired', 'revoked']) status?: 'active' | 'expired' | 'revoked';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) recipientId?: string;
  @ApiPropertyOptional({ example: '2027-01-01', description: 'Expiry before this date (YYYY-MM-DD)' })
  @IsOptional()
  @Matches(DAY, { message: 'expiringBefore must be a date as YYYY-MM-DD' })
  expiringBefore?: string;
  @ApiPropertyOptional({ description: 'Matches recipient name or email' }) @IsOptional() @IsString() @MaxLength(200) search?: string;
}

export class CreateCredentialDto {
  @ApiProperty() @IsUUID() groupId: string;
  @ApiProperty({ example: 'Lena Jansen' }) @IsString() @MaxLength(200) recipientName: string;
  @ApiProperty({ example: 'lena@example.com' }) @IsString() @MaxLength(254) recipientEmail: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100) recipientId?: string | null;
  @ApiProperty({ example: '2026-01-15' }) @IsString() @MaxLength(10) issuedOn: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2028-01-15' }) @IsOptional() @IsString() @MaxLength(10) expiresOn?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100) grade?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { hours: 16 } }) @IsOptional() @IsObject() attributes?: Record<string, unknown>;
}

export class UpdateCredentialDto {
  @ApiProperty({ description: 'The version you read; a newer one answers 409 CREDENTIALS.VERSION_CONFLICT' }) @IsInt() @Min(1) expectedVersion: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) recipientName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) recipientEmail?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100) recipientId?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(10) issuedOn?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'An expired credential given an expiry after today is renewed: one credit' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  expiresOn?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100) grade?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Merged per key; null clears one' }) @IsOptional() @IsObject() attributes?: Record<string, unknown>;
}

export class RevokeCredentialDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

export class CorrectNameDto {
  @ApiProperty({ example: 'Lena Jansen-de Vries' }) @IsString() @Length(1, 200) name: string;
}

// Credits

export class CreditBalanceDto {
  @ApiProperty() balance: number;
}

export class CreditEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The idempotency key' }) key: string;
  @ApiProperty({ enum: ['top-up', 'debit', 'refund'] }) kind: string;
  @ApiProperty({ description: 'Signed: debits are negative' }) amount: number;
  @ApiProperty() balanceAfter: number;
  @ApiProperty() reason: string;
  @ApiProperty({ nullable: true, type: String }) credentialId: string | null;
  @ApiProperty({ nullable: true, type: String }) groupId: string | null;
  @ApiProperty({ nullable: true, type: String }) importId: string | null;
  @ApiProperty({ nullable: true, type: Number }) rowNumber: number | null;
  @ApiProperty({ nullable: true, type: String }) refundOf: string | null;
  @ApiProperty({ nullable: true, type: String }) createdBy: string | null;
  @ApiProperty() createdAt: string;
}

export class CreditEntryPageDto {
  @ApiProperty({ type: [CreditEntryDto] }) items: CreditEntryDto[];
  @ApiProperty({ type: PageMetaDto }) meta: PageMetaDto;
}

export class ListCreditEntriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['top-up', 'debit', 'refund'] }) @IsOptional() @IsIn(['top-up', 'debit', 'refund']) kind?: 'top-up' | 'debit' | 'refund';
  @ApiPropertyOptional() @IsOptional() @IsUUID() importId?: string;
}

export class TopUpDto {
  @ApiProperty({ example: 20, minimum: 1, maximum: 1_000_000 }) @IsInt() @Min(1) @Max(1_000_000) amount: number;
  @ApiPropertyOptional({ description: 'Idempotency key: the same key again adds nothing and answers the first entry' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  key?: string;
  @ApiPropertyOptional({ example: 'Annual purchase' }) @IsOptional() @IsString() @MaxLength(200) reason?: string;
}
