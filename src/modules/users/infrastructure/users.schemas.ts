import { EntitySchema } from '@mikro-orm/core';
import { ApiToken } from '../domain/api-token.js';
import { Group } from '../domain/group.js';
import { ProfileFieldDefinition, PROFILE_FIELD_TYPES } from '../domain/profile-field-definition.js';
import { Role } from '../domain/role.js';
import { SetPasswordLink } from '../domain/set-password-link.js';
import { User } from '../domain/user.js';

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true },
    userCode: { type: 'text', nullable: true },
    email: { type: 'text' },
    firstName: { type: 'text' },
    lastName: { type: 'text' },
    language: { type: 'text' },
    status: { type: 'text' },
    passwordHash: { type: 'text', nullable: true, lazy: true },
    tokenVersion: { type: 'integer' },
    emailVerifiedAt: { type: 'timestamptz', nullable: true },
    profile: { type: 'json' },
    createdAt: { type: 'timestamptz' },
    updatedAt: { type: 'timestamptz' },
  },
});

export const GroupSchema = new EntitySchema<Group>({
  class: Group,
  tableName: 'groups',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    parentId: { type: 'uuid', nullable: true },
    createdAt: { type: 'timestamptz' },
  },
});

export const RoleSchema = new EntitySchema<Role>({
  class: Role,
  tableName: 'roles',
  properties: {
    id: { type: 'uuid', primary: true },
    key: { type: 'text', unique: true },
    name: { type: 'text' },
    permissions: { type: 'text[]' },
    system: { type: 'boolean' },
  },
});

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    name: { type: 'text' },
    tokenHash: { type: 'text', unique: true },
    displayPrefix: { type: 'text' },
    createdAt: { type: 'timestamptz' },
    expiresAt: { type: 'timestamptz', nullable: true },
    lastUsedAt: { type: 'timestamptz', nullable: true },
    revokedAt: { type: 'timestamptz', nullable: true },
  },
});

export const ProfileFieldDefinitionSchema = new EntitySchema<ProfileFieldDefinition>({
  class: ProfileFieldDefinition,
  tableName: 'profile_field_definitions',
  properties: {
    key: { type: 'text', primary: true },
    label: { type: 'text' },
    type: { enum: true, items: () => [...PROFILE_FIELD_TYPES] },
    options: { type: 'text[]', nullable: true },
    openForImport: { type: 'boolean' },
    createdAt: { type: 'timestamptz' },
  },
});

export const SetPasswordLinkSchema = new EntitySchema<SetPasswordLink>({
  class: SetPasswordLink,
  tableName: 'password_links',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    purpose: { type: 'text' },
    tokenHash: { type: 'text', unique: true },
    createdAt: { type: 'timestamptz' },
    expiresAt: { type: 'timestamptz' },
    usedAt: { type: 'timestamptz', nullable: true },
    endedAt: { type: 'timestamptz', nullable: true },
  },
});

export const USERS_ENTITIES = [UserSchema, GroupSchema, RoleSchema, ApiTokenSchema, ProfileFieldDefinitionSchema, SetPasswordLinkSchema];
