import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import {
  ImportTypeProvider,
  type ImportChunkContext,
  type ImportColumn,
  type ImportMessage,
  type ImportOptionDescription,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
  type UndoRow,
  type ValidatedImport,
} from '#libs/contracts/imports/index.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { DATE_FORMATS, type DateFormat } from '../../domain/credential-dates.js';
import '../../domain/credential-import-messages.js';
import type { AttributeDefinition } from '../../domain/credential-group.js';
import { ATTRIBUTE_COLUMN_PREFIX, EMAIL_CHANGE, OVERWRITES_CORRECTED_NAME, RENEWAL } from '../../domain/credential-update-rules.js';
import { credentialGroupFor } from '../../infrastructure/import-credential-groups.js';
import { CredentialScope } from '../credential-scope.js';
import { CreditLedger } from '../credit-ledger.js';
import { ImportCredentialUpdatesChunkCommand } from '../commands/import-credential-updates-chunk/import-credential-updates-chunk.handler.js';
import { UndoCredentialUpdatesCommand } from '../commands/undo-credential-updates/undo-credential-updates.handler.js';

/** Options of the credential-update import (PUT /api/imports/:id/mapping `options`, or the upload's `options` JSON). */
export class CredentialUpdateImportOptions {
  @IsUUID('all') group!: string;
  @IsOptional() @IsIn([...DATE_FORMATS]) dateFormat?: DateFormat;
}

const OPTION_DESCRIPTIONS: ImportOptionDescription[] = [
  { key: 'group', kind: 'uuid', required: true, description: 'The credential group whose credentials the file updates (one group at a time); one you may manage.' },
  {
    key: 'dateFormat',
    kind: 'string',
    values: [...DATE_FORMATS],
    required: false,
    description: "How the file writes dates: dd-mm-yyyy, mm/dd/yyyy, yyyy-mm-dd, or detect (default; a date that reads both ways is an error). Date cells of an XLSX and yyyy-mm-dd are read in every format.",
  },
];

const MATCH_NOTE = 'A row is matched by Credential ID, else by Recipient ID, else by Recipient Email, within the chosen group; fill in at least one.';

export const CREDENTIAL_COLUMNS: ImportColumn[] = [
  {
    key: 'credentialId',
    mandatoryOneOf: 'match',
    header: 'Credential ID',
    aliases: ['credential_id', 'Credential', 'Credential-ID', 'Credentialnummer', 'Credential nummer', 'ID credential'],
    mandatory: false,
    unique: true,
    note: `The credential's id. ${MATCH_NOTE}`,
    kind: 'text',
    maxLength: 64,
  },
  {
    key: 'recipientId',
    mandatoryOneOf: 'match',
    header: 'Recipient ID',
    aliases: ['recipient_id', 'Ontvanger-ID', 'Ontvanger ID', 'Ontvangernummer', 'Deelnemernummer', 'Student ID', 'Member ID', 'Lidnummer'],
    mandatory: false,
    note: `The recipient's own id (from your CRM or AMS). ${MATCH_NOTE} With a Credential ID it is a value to update.`,
    kind: 'text',
    maxLength: 200,
  },
  {
    key: 'recipientEmail',
    mandatoryOneOf: 'match',
    header: 'Recipient Email',
    aliases: ['recipient_email', 'Email', 'E-mail', 'Email address', 'E-mailadres', 'E-mailadres ontvanger', 'Ontvanger e-mail'],
    mandatory: false,
    note: `Used to match only without Credential ID and Recipient ID (credentials sharing an address cannot be matched by it); otherwise the new address (a change needs confirming).`,
    kind: 'text',
    maxLength: 254,
  },
  { key: 'recipientName', header: 'Recipient Name', aliases: ['recipient_name', 'Name', 'Full name', 'Naam', 'Naam ontvanger', 'Volledige naam'], mandatory: false, note: 'Empty: unchanged. Overwriting a name the recipient corrected needs confirming.', kind: 'text', maxLength: 200 },
  { key: 'issuedOn', header: 'Issue Date', aliases: ['issued_on', 'Issued On', 'Issued', 'Datum uitgifte', 'Uitgiftedatum', 'Uitgegeven op'], mandatory: false, note: 'In the chosen date format. Empty: unchanged.', kind: 'date', maxLength: 40 },
  {
    key: 'expiresOn',
    header: 'Expiry Date',
    aliases: ['expires_on', 'Expires On', 'Expiration Date', 'Expiry', 'Vervaldatum', 'Verloopdatum', 'Geldig tot'],
    mandatory: false,
    note: 'In the chosen date format. Empty: unchanged. An expired credential given a future expiry is renewed, which costs 1 credit.',
    kind: 'date',
    maxLength: 40,
  },
  { key: 'grade', header: 'Grade', aliases: ['Cijfer', 'Score', 'Resultaat', 'Beoordeling'], mandatory: false, note: 'Empty: unchanged.', kind: 'text', maxLength: 100 },
];

/** Every name of a standard column (key, header, aliases; lower-cased) -> its header: an attribute may not take one. */
export const STANDARD_COLUMN_NAMES: ReadonlyMap<string, string> = new Map(
  CREDENTIAL_COLUMNS.flatMap((column) => [column.key, column.header, ...(column.aliases ?? [])].map((name) => [name.trim().toLowerCase(), column.header] as const)),
);

/**
 * The `credential-update` import type: updates the issued credentials of one credential group from CSV or
 * XLSX. A chunk of rows becomes one ImportCredentialUpdatesChunkCommand; renewals are paid from the credit
 * ledger per row, idempotently; undo restores the recorded values and refunds the credits.
 */
@Injectable()
@ImportTypeProvider()
export class CredentialUpdateImport implements ImportTypeDefinition {
  key = 'credential-update';
  permission = Permissions.ImportCredentialUpdate;
  title = 'Update credentials (XLSX or CSV)';
  description =
    "Update the issued credentials of one credential group: recipient name, email and id, issue and expiry dates, grade and the group's custom attributes. Empty cells leave values unchanged; renewing an expired credential costs 1 credit.";
  fileKinds: ImportTypeDefinition['fileKinds'] = ['xlsx', 'csv', 'txt'];
  templateFileName = 'credential_update_template.xlsx';
  columns = CREDENTIAL_COLUMNS;
  optionsClass = CredentialUpdateImportOptions;
  optionDescriptions = OPTION_DESCRIPTIONS;
  warningsToConfirm = [OVERWRITES_CORRECTED_NAME, EMAIL_CHANGE] as const;
  /** Two rows that reach one credential (by different keys, in different chunks) both fail. */
  oneRowPerEntity = true;
  /** Validation's RowChange (the credential's version it saw) comes back to the run, which refuses a row whose credential moved. */
  keepsValidationChange = true;

  constructor(
    private readonly commands: CommandBus,
    private readonly orm: MikroORM,
    private readonly scope: CredentialScope,
    private readonly ledger: CreditLedger,
  ) {}

  /** The standard columns plus the chosen group's custom attributes (`attributes.<key>`, headed by their label). */
  async columnsFor(principal: Principal, options: Record<string, unknown>): Promise<ImportColumn[]> {
    const attributes = await this.attributesOf(principal, options);
    return [...CREDENTIAL_COLUMNS, ...attributes.map(attributeColumn)];
  }

  /** The group must exist and be one the admin manages; an unknown group and one outside scope get the same 404 (CREDENTIALS.GROUP_NOT_FOUND). */
  async checkOptions(principal: Principal, options: Record<string, unknown>): Promise<void> {
    // Missing only at an upload that waits for its mapping (the schema requires it everywhere else).
    if (options.group === undefined) return;
    await this.scope.assertGroupManageable(this.orm.em.fork(), principal, String(options.group));
  }

  async processChunk(rows: RawImportRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    const attributes = await this.attributesOf(context.principal, context.options);
    const columns = [...CREDENTIAL_COLUMNS, ...attributes.map(attributeColumn)];
    const settings = {
      groupId: String(context.options.group),
      dateFormat: DATE_FORMATS.includes(context.options.dateFormat as DateFormat) ? (context.options.dateFormat as DateFormat) : 'detect',
      today: context.today,
      attributes,
    };
    return this.commands.execute(
      new ImportCredentialUpdatesChunkCommand(context.principal, context.importId, rows, columns, settings, context.validateOnly, {
        acknowledged: context.acknowledgedWarnings ?? [],
        validated: context.validated,
      }),
    );
  }

  /**
   * Renewals against the credit balance, after validation and again at confirm. No partial run: which
   * renewals would go through would be decided by row order, not by the admin; top up or remove rows.
   */
  async checkBeforeRun(validated: ValidatedImport): Promise<ImportMessage[]> {
    const flagged = validated.warningCounts[RENEWAL] ?? 0;
    if (flagged === 0) return [];
    const balance = await this.ledger.balance(this.orm.em.fork());
    // warningCounts counts rows that failed after their check too (two rows reaching one credential): it is
    // an upper bound, so within the balance it settles the question; otherwise count the rows that will run.
    if (flagged <= balance) return [];
    let renewals = 0;
    for await (const { warnings } of validated.rows()) if (warnings.some((warning) => warning.code === RENEWAL)) renewals += 1;
    if (renewals <= balance) return [];
    return [{ code: 'CREDENTIALS.IMPORT_NOT_ENOUGH_CREDITS', params: { renewals, credits: renewals, balance } }];
  }

  async undoChunk(rows: UndoRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    return this.commands.execute(new UndoCredentialUpdatesCommand(context.principal, context.importId, rows));
  }

  private async attributesOf(principal: Principal, options: Record<string, unknown>): Promise<AttributeDefinition[]> {
    const groupId = typeof options.group === 'string' && /^[0-9a-f-]{36}$/i.test(options.group) ? options.group : undefined;
    if (!groupId) return [];
    return (await credentialGroupFor(this.orm.em.fork(), this.scope, principal, groupId))?.attributes ?? [];
  }
}

function attributeColumn(attribute: AttributeDefinition): ImportColumn {
  return {
    key: `${ATTRIBUTE_COLUMN_PREFIX}${attribute.key}`,
    header: attribute.label,
    aliases: attribute.label === attribute.key ? [] : [attribute.key],
    mandatory: false,
    note: `Custom attribute ${attribute.key} of the group (${attribute.kind}${attribute.kind === 'date' ? ', in the chosen date format' : ''}). Empty: unchanged.`,
    kind: attribute.kind === 'date' ? 'date' : 'text',
    maxLength: 1000,
  };
}
