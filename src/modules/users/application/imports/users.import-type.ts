import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import {
  ImportTypeProvider,
  type ImportChunkContext,
  type ImportColumn,
  type ImportOptionDescription,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
  type UndoRow,
} from '#libs/contracts/imports/index.js';
import { hasPermission, Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { forbidden, invalid } from '#libs/errors/domain-error.js';
import { DEFAULT_LANGUAGE, isLanguage, SUPPORTED_LANGUAGES } from '#libs/i18n/i18n.js';
import { booleanSetting, PlatformSettings } from '#libs/settings/platform-settings.js';
import { GrantPolicy } from '../../domain/grant-policy.js';
import { isImportableProfileFieldType, type ProfileFieldType } from '../../domain/profile-field-definition.js';
import { SYSTEM_ROLES } from '../../domain/role.js';
import { PROFILE_COLUMN_PREFIX } from '../../domain/user-import-row-rules.js';
import '../../domain/users-import-messages.js';
import { ADMINISTERED_GROUP_IDS_SQL } from '../../infrastructure/access-scope.sql.js';
import { ImportUsersChunkCommand, type UsersImportSettings, type WelcomeMailMode } from '../commands/import-users-chunk/import-users-chunk.handler.js';
import { UndoImportedUsersCommand } from '../commands/undo-imported-users/undo-imported-users.handler.js';

/** Off by default: group admins hold imports.users, but may use it only while a platform admin switches this on. */
export const USERS_IMPORT_FOR_GROUP_ADMINS = booleanSetting(
  'imports.users.group-admins',
  'Admins without scope.all (group admins) may import users (bulk create and update) into the groups they administer.',
  false,
);

const WELCOME_MAIL_MODES: WelcomeMailMode[] = ['none', 'all', 'updated'];
const MAX_GROUPS = 50;

/** Options of the users import (PUT /api/imports/:id/mapping `options`, or the upload's `options` JSON). */
export class UsersImportOptions {
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_GROUPS) @IsUUID('all', { each: true }) groupIds?: string[];
  @IsOptional() @IsString() @MaxLength(64) role?: string;
  @IsOptional() @IsIn([...SUPPORTED_LANGUAGES]) language?: string;
  @IsOptional() @IsBoolean() fillTerms?: boolean;
  @IsOptional() @IsIn(WELCOME_MAIL_MODES) welcomeMail?: WelcomeMailMode;
}

const OPTION_DESCRIPTIONS: ImportOptionDescription[] = [
  {
    key: 'groupIds',
    kind: 'uuid-list',
    required: false,
    description:
      'Groups every user of the file is placed in (created and updated users alike). Each must be a group you administer; admins without scope.all must give at least one to create users.',
  },
  { key: 'role', kind: 'string', required: false, description: `Role key given to NEW users (existing users keep their roles); default ${SYSTEM_ROLES.learner.key}. Any other role needs roles.manage, and you must hold every permission of the role.` },
  { key: 'language', kind: 'string', values: [...SUPPORTED_LANGUAGES], required: false, description: `Language of new users whose Language cell is empty; default ${DEFAULT_LANGUAGE}.` },
  { key: 'fillTerms', kind: 'boolean', required: false, description: 'Add unknown terms of taxonomy (select) profile fields to the field\'s terms (with a warning per row) instead of failing the row.' },
  {
    key: 'welcomeMail',
    kind: 'string',
    values: WELCOME_MAIL_MODES,
    required: false,
    description: "'none' (default); 'all': every user of a succeeded row gets a welcome mail with a link to set their password; 'updated': only users the import created or changed.",
  },
];

const USER_COLUMNS: ImportColumn[] = [
  {
    key: 'email',
    header: 'Email',
    aliases: ['E-mailadres', 'E-mail', 'Email address', 'E-mail address', 'Mail'],
    mandatory: true,
    unique: true,
    note: 'The key: an existing user with this email address is updated, otherwise a new user is created. Each address once per file.',
    kind: 'text',
    maxLength: 254,
  },
  { key: 'firstName', header: 'First Name', aliases: ['Voornaam', 'Given name'], mandatory: false, note: 'Required for new users. Empty: an existing user keeps theirs.', kind: 'text', maxLength: 100 },
  { key: 'lastName', header: 'Last Name', aliases: ['Achternaam', 'Surname', 'Family name'], mandatory: false, note: 'Required for new users. Empty: an existing user keeps theirs.', kind: 'text', maxLength: 100 },
  {
    key: 'userCode',
    header: 'User Code',
    aliases: ['Gebruikerscode', 'Linking Code', 'Koppelcode', 'Employee number', 'Personeelsnummer'],
    mandatory: false,
    unique: true,
    note: 'Optional linking code (HR number), unique among users, no spaces. Empty: an existing user keeps theirs.',
    kind: 'text',
    maxLength: 64,
  },
  {
    key: 'language',
    header: 'Language',
    aliases: ['Taal'],
    mandatory: false,
    note: `${SUPPORTED_LANGUAGES.join(' or ')} (or English / Nederlands). Empty: new users get the import's language option, existing users keep theirs.`,
    kind: 'text',
    maxLength: 20,
  },
];

interface ProfileFieldRow {
  key: string;
  label: string;
  type: ProfileFieldType;
  options: string[] | null;
  open_for_import: boolean;
}

/**
 * The `users` import type: bulk create and update users from CSV or XLSX, keyed by email. A chunk of
 * rows becomes one ImportUsersChunkCommand (rules per row, a handful of statements per chunk); undo one
 * UndoImportedUsersCommand per chunk. Profile fields open for import are columns too (`profile.<key>`);
 * fields that are not, and date fields, are offered with a refusal so that mapping one says why.
 */
@Injectable()
@ImportTypeProvider()
export class UsersImport implements ImportTypeDefinition {
  key = 'users';
  permission = Permissions.ImportUsers;
  title = 'Users (XLSX, CSV or tab-separated text)';
  description =
    'Bulk create and update users, keyed by email address. Empty cells leave existing values unchanged. Profile fields that are open for import can be mapped as extra columns (not dates).';
  fileKinds: ImportTypeDefinition['fileKinds'] = ['xlsx', 'csv', 'txt'];
  templateFileName = 'users_template.xlsx';
  columns = USER_COLUMNS;
  optionsClass = UsersImportOptions;
  optionDescriptions = OPTION_DESCRIPTIONS;

  constructor(
    private readonly commands: CommandBus,
    private readonly orm: MikroORM,
    private readonly settings: PlatformSettings,
  ) {}

  async availableTo(principal: Principal): Promise<boolean> {
    if (hasPermission(principal, Permissions.ScopeAll)) return true;
    return this.settings.get(USERS_IMPORT_FOR_GROUP_ADMINS);
  }

  async columnsFor(_principal: Principal, _options: Record<string, unknown>): Promise<ImportColumn[]> {
    const fields = await this.orm.em.fork().execute<ProfileFieldRow[]>(`select key, label, type, options, open_for_import from profile_field_definitions order by key`);
    return [...USER_COLUMNS, ...fields.map(profileColumn)];
  }

  /**
   * Runs in the API before any work, and again before each chunk: the admin manages users, every group is
   * one they administer (one message for unknown and not administered: no leak), the role exists and
   * carries nothing they do not hold themselves (no escalation), and fillTerms only with profile-fields.manage.
   */
  async checkOptions(principal: Principal, options: Record<string, unknown>): Promise<void> {
    if (!hasPermission(principal, Permissions.UsersManage)) throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.UsersManage });
    // New terms change a platform-wide taxonomy field: only for whoever may manage profile fields.
    if (options.fillTerms === true && !hasPermission(principal, Permissions.ProfileFieldsManage)) {
      throw forbidden('USERS.IMPORT_FILL_TERMS_NOT_ALLOWED', { permission: Permissions.ProfileFieldsManage });
    }
    const em = this.orm.em.fork();
    const groupIds = settingsOf(options).groupIds;
    if (groupIds.length > 0) {
      const allowed = hasPermission(principal, Permissions.ScopeAll)
        ? await em.execute<{ id: string }[]>(`select id from groups where id = any(?::uuid[])`, [pgArray(groupIds)])
        : await em.execute<{ id: string }[]>(ADMINISTERED_GROUP_IDS_SQL, [principal.userId]);
      const ids = new Set(allowed.map((row) => row.id));
      const refused = groupIds.find((id) => !ids.has(id));
      if (refused) throw forbidden('USERS.IMPORT_GROUP_NOT_ALLOWED', { groupId: refused });
    }
    if (typeof options.role === 'string') {
      // Giving new users any role but the default is managing roles, as with POST /api/users (and it is asked
      // before the role is looked up, so the answer does not tell which role keys exist).
      if (options.role !== SYSTEM_ROLES.learner.key && !hasPermission(principal, Permissions.RolesManage)) {
        throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.RolesManage });
      }
      const [role] = await em.execute<{ permissions: string[] }[]>(`select permissions from roles where key = ?`, [options.role]);
      if (!role) throw invalid('USERS.IMPORT_ROLE_UNKNOWN', { role: options.role });
      new GrantPolicy(principal.permissions).assertMayGrant(role.permissions);
    }
  }

  /** The handler adds the profile fields' columns from its own lookup of the importable fields. */
  async processChunk(rows: RawImportRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    return this.commands.execute(new ImportUsersChunkCommand(context.principal, context.importId, rows, this.columns, settingsOf(context.options), context.validateOnly));
  }

  async undoChunk(rows: UndoRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    return this.commands.execute(new UndoImportedUsersCommand(context.principal, rows));
  }
}

/** The options with their defaults; the options class has checked their shape. */
function settingsOf(options: Record<string, unknown>): UsersImportSettings {
  return {
    groupIds: Array.isArray(options.groupIds) ? [...new Set(options.groupIds.map(String))] : [],
    roleKey: typeof options.role === 'string' ? options.role : SYSTEM_ROLES.learner.key,
    language: isLanguage(options.language) ? options.language : DEFAULT_LANGUAGE,
    fillTerms: options.fillTerms === true,
    welcomeMail: WELCOME_MAIL_MODES.includes(options.welcomeMail as WelcomeMailMode) ? (options.welcomeMail as WelcomeMailMode) : 'none',
  };
}

function profileColumn(field: ProfileFieldRow): ImportColumn {
  const column: ImportColumn = {
    key: `${PROFILE_COLUMN_PREFIX}${field.key}`,
    header: field.label,
    aliases: [field.key],
    mandatory: false,
    note: field.type === 'select' ? `One of: ${(field.options ?? []).join(', ')}.` : `Profile field (${field.type}). Empty: unchanged.`,
    kind: field.type === 'boolean' ? 'boolean' : 'text',
    maxLength: 500,
  };
  if (!isImportableProfileFieldType(field.type)) column.refusal = { code: 'USERS.IMPORT_FIELD_TYPE_NOT_IMPORTABLE', params: { field: field.label, type: field.type } };
  else if (!field.open_for_import) column.refusal = { code: 'USERS.IMPORT_FIELD_NOT_OPEN', params: { field: field.label } };
  return column;
}
