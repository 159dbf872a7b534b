import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '#libs/http/pagination.js';
import { SUPPORTED_LANGUAGES } from '#libs/i18n/i18n.js';
import { PROFILE_FIELD_TYPES, type ProfileFieldType } from '../../domain/profile-field-definition.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com' }) @IsEmail() email: string;
  @ApiProperty({ example: 'change-me-please' }) @IsString() @MaxLength(1024) password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(1024) currentPassword: string;
  @ApiProperty({ minLength: 10 }) @IsString() @MinLength(10) @MaxLength(1024) newPassword: string;
}

export class LoginResponseDto {
  @ApiProperty() accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ description: 'Seconds until the access token expires' }) expiresIn: number;
  @ApiProperty() expiresAt: string;
}

export class MeDto {
  @ApiProperty() userId: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: SUPPORTED_LANGUAGES }) language: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ type: [String] }) permissions: string[];
  @ApiProperty({ enum: ['access-token', 'api-token'] }) authenticatedWith: string;
}

export class IssueApiTokenDto {
  @ApiProperty({ example: 'HR sync' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ description: 'Days until it expires; omit for the default (API_TOKEN_DEFAULT_TTL_DAYS, 90); at most API_TOKEN_MAX_TTL_DAYS (365)', minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

export class IssuedApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The secret. Shown only now: store it safely.' }) token: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
}

export class ApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'First characters of the token, to recognise it' }) displayPrefix: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
}

export class GroupRefDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class UserDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String, description: 'The linking code used in import files' }) userCode: string | null;
  @ApiProperty() email: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ enum: SUPPORTED_LANGUAGES }) language: string;
  @ApiProperty({ enum: ['active', 'deleted'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) profile: Record<string, unknown>;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ type: [GroupRefDto] }) groups: GroupRefDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) items: UserDto[];
  @ApiProperty() meta: PageMetaDto;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches email, name or user code' }) @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) userCode?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() groupId?: string;
  @ApiPropertyOptional({ enum: ['active', 'deleted', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'deleted', 'all'])
  status?: 'active' | 'deleted' | 'all';
}

export class CreateUserDto {
  @ApiPropertyOptional({ example: 'EMP-1001', description: 'Unique linking code for imports' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  userCode?: string;
  @ApiProperty({ example: 'anna@example.com' }) @IsEmail() email: string;
  @ApiProperty() @IsString() @Length(1, 100) firstName: string;
  @ApiProperty() @IsString() @Length(1, 100) lastName: string;
  @ApiPropertyOptional({ enum: SUPPORTED_LANGUAGES, default: 'en' }) @IsOptional() @IsIn([...SUPPORTED_LANGUAGES]) language?: string;
  @ApiPropertyOptional({ description: "Refused with 403 (USERS.PASSWORD_RESET_LINK_REQUIRED): admins never set other users' passwords; a new user sets theirs through the link in their welcome mail" })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() profile?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [String], description: 'Groups to add the user to (required for group admins)' })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  @ArrayMaxSize(100)
  groupIds?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Role keys; default learner (needs roles.manage)' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  roleKeys?: string[];
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() sendWelcomeMail?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(64) userCode?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsEmail() email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) firstName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) lastName?: string;
  @ApiPropertyOptional({ enum: SUPPORTED_LANGUAGES }) @IsOptional() @IsIn([...SUPPORTED_LANGUAGES]) language?: string;
  @ApiPropertyOptional({ description: 'Refused with 403: admins never set passwords (USERS.PASSWORD_RESET_LINK_REQUIRED); your own changes through POST /api/auth/password (USERS.OWN_PASSWORD_NEEDS_CURRENT)' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() profile?: Record<string, unknown>;
}

export class SetRolesDto {
  @ApiProperty({ type: [String], example: ['group-admin'] }) @IsArray() @IsString({ each: true }) roleKeys: string[];
}

export class IdDto {
  @ApiProperty() id: string;
}

export class ManagerRelationDto {
  @ApiProperty() managerId: string;
  @ApiProperty() manageeId: string;
  @ApiProperty({ enum: ['manager', 'coach'] }) kind: string;
}

export class ManagerRelationsDto {
  @ApiProperty({ type: [ManagerRelationDto] }) managers: ManagerRelationDto[];
  @ApiProperty({ type: [ManagerRelationDto] }) managees: ManagerRelationDto[];
}

export class AssignManagerDto {
  @ApiPropertyOptional({ enum: ['manager', 'coach'], default: 'manager' }) @IsOptional() @IsIn(['manager', 'coach']) kind?: 'manager' | 'coach';
}

export class GroupDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) parentId: string | null;
  @ApiProperty() memberCount: number;
  @ApiProperty({ type: [String] }) adminIds: string[];
}

export class CreateGroupDto {
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsUUID() parentId?: string | null;
}

export class UpdateGroupDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null moves the group to the root' })
  @IsOptional()
  @IsUUID()
  parentId?: string | null;
}

export class RoleDto {
  @ApiProperty() id: string;
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) permissions: string[];
  @ApiProperty() system: boolean;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'import-operator' }) @IsString() @Length(2, 63) key: string;
  @ApiProperty() @IsString() @Length(1, 100) name: string;
  @ApiProperty({ type: [String] }) @IsArray() @IsString({ each: true }) permissions: string[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @IsString({ each: true }) permissions?: string[];
}

export class ProfileFieldDto {
  @ApiProperty() key: string;
  @ApiProperty() label: string;
  @ApiProperty({ enum: PROFILE_FIELD_TYPES }) type: string;
  @ApiProperty({ type: [String], nullable: true }) options: string[] | null;
  @ApiProperty() openForImport: boolean;
}

export class CreateProfileFieldDto {
  @ApiProperty({ example: 'department' }) @IsString() @Length(1, 63) key: string;
  @ApiProperty() @IsString() @Length(1, 200) label: string;
  @ApiProperty({ enum: PROFILE_FIELD_TYPES }) @IsIn([...PROFILE_FIELD_TYPES]) type: ProfileFieldType;
  @ApiPropertyOptional({ type: [String], description: 'Allowed values (taxonomy) for select fields' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @Type(() => String)
  options?: string[];
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() openForImport?: boolean;
}

export class UpdateProfileFieldDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) label?: string;
  @ApiPropertyOptional({ enum: PROFILE_FIELD_TYPES }) @IsOptional() @IsIn([...PROFILE_FIELD_TYPES]) type?: ProfileFieldType;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @IsString({ each: true }) options?: string[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() openForImport?: boolean;
}
