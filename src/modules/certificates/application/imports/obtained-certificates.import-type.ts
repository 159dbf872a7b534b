import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  AllocateCertificateNumbersCommand,
  FindDefinitionsByCodesQuery,
  RegisterObtainedCertificatesCommand,
  RemoveImportedObtainedCertificatesCommand,
  type CertificateDefinitionSummary,
  type ImportedCertificateRemoval,
} from '#libs/contracts/certificates/index.js';
import {
  ImportTypeProvider,
  type ImportChunkContext,
  type ImportColumn,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
  type UndoRow,
} from '#libs/contracts/imports/index.js';
import { FindUsersByCodesQuery, Permissions, type UserSummary } from '#libs/contracts/users/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import '../../domain/messages.js';
import { checkCertificateRow, type CertificateRowFacts, type CheckedCertificateRow } from './obtained-certificate-row-rules.js';

const FILE_COLUMN: ImportColumn = {
  key: 'fileName',
  header: 'File Name',
  aliases: ['Bestandsnaam', 'File', 'Attachment'],
  mandatory: true,
  note: 'Exact name of the PDF/PNG/JPEG in the root of the ZIP, including the extension and case.',
  kind: 'file',
  maxLength: 255,
};

const CERTIFICATE_COLUMNS: ImportColumn[] = [
  { key: 'userCode', header: 'User Code', aliases: ['Gebruikerscode', 'Linking Code', 'Koppelcode'], mandatory: true, note: "The user's linking code.", kind: 'text', maxLength: 64 },
  {
    key: 'definitionCode',
    header: 'Certificate Definition Code',
    aliases: ['Certificaatdefinitiecode', 'Certificate Code', 'Definition Code'],
    mandatory: true,
    note: 'Code of the certificate definition.',
    kind: 'text',
    maxLength: 64,
  },
  { key: 'dateObtained', header: 'Date Obtained', aliases: ['Behaaldatum', 'Datum behaald'], mandatory: false, note: 'dd-mm-yyyy. Empty: today.', kind: 'date', maxLength: 40 },
  {
    key: 'dateExpires',
    header: 'Date Expires',
    aliases: ['Vervaldatum', 'Geldig tot'],
    mandatory: false,
    note: "dd-mm-yyyy. Only when it differs from the definition's standard validity; empty: obtained + validity (or no expiry).",
    kind: 'date',
    maxLength: 40,
  },
  { key: 'number', header: 'Number', aliases: ['Nummer', 'Certificate Number', 'Certificaatnummer'], mandatory: false, note: 'The certificate number.', kind: 'text', maxLength: 100 },
  {
    key: 'autoNumber',
    header: 'Auto Number',
    aliases: ['Automatisch nummer', 'Autonummer'],
    mandatory: false,
    note: 'TRUE: the system generates the number (leave Number empty). FALSE or empty: the Number column is used.',
    kind: 'boolean',
    maxLength: 10,
  },
];

const COLUMN_OF_ERROR: Record<string, string> = {
  'CERTIFICATES.OBTAINED_IN_FUTURE': 'dateObtained',
  'CERTIFICATES.EXPIRY_BEFORE_OBTAINED': 'dateExpires',
  'CERTIFICATES.AUTO_NUMBER_WITH_NUMBER': 'autoNumber',
  'CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED': 'autoNumber',
  'CERTIFICATES.NUMBER_INVALID': 'number',
  'CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED': 'fileName',
};

type CheckedRow = CheckedCertificateRow;

/**
 * Obtained certificates from a sheet: a chunk of rows becomes one RegisterObtainedCertificatesCommand, with
 * users, definitions and existing certificates looked up once per chunk and automatic numbers reserved
 * per definition in one statement.
 */
abstract class ObtainedCertificatesImportBase implements ImportTypeDefinition {
  abstract key: string;
  abstract permission: string;
  abstract title: string;
  abstract description: string;
  abstract fileKinds: ImportTypeDefinition['fileKinds'];
  abstract templateFileName: string;
  abstract columns: ImportColumn[];
  protected abstract withFiles: boolean;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly em: EntityManager,
  ) {}

  async processChunk(rows: RawImportRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    const seesEveryone = context.principal.permissions.includes(Permissions.ScopeAll);
    const userCodes = unique(rows.map((r) => r.values.userCode));
    const definitionCodes = unique(rows.map((r) => r.values.definitionCode.toUpperCase()));
    const users = new Map(
      (await this.queries.execute(new FindUsersByCodesQuery(context.principal, userCodes))).map((u) => [u.userCode!, u] as const),
    );
    const definitions = new Map(
      (await this.queries.execute(new FindDefinitionsByCodesQuery(definitionCodes))).map((d) => [d.code.toUpperCase(), d] as const),
    );

    const outcomes: RowOutcome[] = [];
    const checked: CheckedRow[] = [];
    for (const row of rows) {
      const result = this.check(row, users, definitions, seesEveryone, context);
      if ('errors' in result) outcomes.push(result);
      else checked.push(result);
    }

    const existing = await this.existingKeys(checked);
    const numbers = await this.reserveNumbers(
      checked.filter((c) => c.autoNumber && !existing.has(keyOf(c))),
      context.validateOnly,
    );
    const registering: CheckedRow[] = [];
    for (const row of checked) {
      const key = keyOf(row);
      if (existing.has(key)) {
        outcomes.push({ rowNumber: row.row.rowNumber, status: 'skipped', errors: [], warnings: [...row.warnings, { code: 'CERTIFICATES.IMPORT_ALREADY_REGISTERED' }] });
        continue;
      }
      existing.add(key);
      registering.push(row);
    }
    const inputs = registering.map((row) => ({
      userId: row.user.id,
      definitionCode: row.definition.code,
      dateObtained: row.dateObtained,
      dateExpires: row.dateExpires,
      number: row.autoNumber ? null : row.number,
      allocatedNumber: row.autoNumber ? numbers.get(row.definition.id)?.shift() : undefined,
      source: 'import' as const,
      attachment: row.file ? { kind: 'stored' as const, storageKey: row.file.storageKey, fileName: row.row.values.fileName, known: row.file } : undefined,
    }));
    const registrations = inputs.length === 0 ? [] : await this.commands.execute(new RegisterObtainedCertificatesCommand(context.principal, inputs));
    registering.forEach((row, index) => {
      const registered = registrations[index];
      if ('refused' in registered) {
        const { code, params } = registered.refused;
        outcomes.push({ rowNumber: row.row.rowNumber, status: 'failed', errors: [{ code, params: params as Record<string, string | number>, column: COLUMN_OF_ERROR[code] }], warnings: row.warnings });
        return;
      }
      outcomes.push({
        rowNumber: row.row.rowNumber,
        status: 'succeeded',
        errors: [],
        warnings: row.warnings,
        entityId: registered.id,
        // A new certificate starts at version 1 (Migration20261130001400); undo removes it only while it still is.
        change: { entity: CERTIFICATE_ENTITY, id: registered.id, before: null, after: { version: 1 } },
      });
    });
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  /**
   * Undo, safe rather than broad: removes the certificates this import created, in one command per chunk,
   * unless they were changed since (they stay, with a warning) or their holder left the admin's scope.
   */
  async undoChunk(rows: UndoRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    const items: { id: string; version: number }[] = [];
    const rowsToRemove: UndoRow[] = [];
    for (const row of rows) {
      const { change } = row;
      const version = change.after?.version;
      if (change.entity !== CERTIFICATE_ENTITY || change.before !== null || typeof version !== 'number') {
        // Not a change this type records: refuse what is not understood.
        outcomes.push({ rowNumber: row.rowNumber, status: 'failed', errors: [{ code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: this.key } }], warnings: [] });
        continue;
      }
      items.push({ id: change.id, version });
      rowsToRemove.push(row);
    }
    const results = items.length === 0 ? new Map<string, ImportedCertificateRemoval>() : await this.commands.execute(new RemoveImportedObtainedCertificatesCommand(context.principal, items));
    for (const row of rowsToRemove) {
      outcomes.push(undoOutcome(row, results.get(row.change.id) ?? 'gone'));
    }
    return outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
  }

  /** Everything that can be said about a row before writing: all of its problems at once. */
  /** What the chunk's lookups found for a row, then the row rules (obtained-certificate-row-rules.ts). */
  private check(
    row: RawImportRow,
    users: Map<string, UserSummary>,
    definitions: Map<string, CertificateDefinitionSummary>,
    seesEveryone: boolean,
    context: ImportChunkContext,
  ): CheckedRow | RowOutcome {
    const { userCode, definitionCode, fileName } = row.values;
    let attachment: CertificateRowFacts['attachment'];
    if (this.withFiles && fileName) {
      attachment = context.files.find(fileName);
      // A near miss is "used" too: its row names it, misspelt.
      const used = attachment.file?.name ?? attachment.suggestion;
      if (used) context.files.markUsed(used);
    }
    return checkCertificateRow(row, this.columns, {
      user: userCode ? users.get(userCode) : undefined,
      definition: definitionCode ? definitions.get(definitionCode.toUpperCase()) : undefined,
      seesEveryone,
      today: context.today,
      attachment,
    });
  }

  /**
   * Certificates already registered with the same user, definition and date as a row of the chunk, by
   * identity key. Only those: every certificate of the chunk's users and definitions grew with the table
   * (thousands of rows per chunk late in a large import), the exact triples stay at most one per row.
   *
   * Each probe goes through an index that holds its whole key, whatever the (lagging, during a large
   * import) statistics say: the rows numbered by hand through obtained_certificates_identity_unique
   * (user, definition, date; its partial predicate is `not auto_numbered`), the automatically numbered
   * ones through obtained_certificates_user_idx (user, date), their definition compared by keyOf(). Those say
   * `auto_numbered is not false` (the column is not null: the same rows) rather than `auto_numbered`, which
   * would let the planner use the partial index obtained_certificates_auto_number_unique: on statistics
   * taken before an import of automatic numbers it reads that index whole for every probe (35 s for a
   * 1000-row chunk against 60,000 automatic certificates on a scratch database; 0.1 s this way). A probe
   * that joins on definition and date lets the planner pick obtained_certificates_definition_idx, which
   * reads every certificate of the definition on that date (about 60 late in a 100,000-row import) to
   * find none. The set is the same as a probe on the triple alone: a certificate numbered by hand only
   * matches the key of a row numbered by hand, and an automatic one only that of an automatic row; a
   * certificate found for another row's probe has a key no row of the chunk has, or one it would have
   * found itself.
   */
  private async existingKeys(rows: CheckedRow[]): Promise<Set<string>> {
    const manual = rows.filter((r) => !r.autoNumber);
    const automatic = rows.filter((r) => r.autoNumber);
    const probes: string[] = [];
    const params: unknown[] = [];
    if (manual.length > 0) {
      params.push(manual.map((r) => r.user.id), manual.map((r) => r.definition.id), manual.map((r) => r.dateObtained));
      probes.push(
        `select c.user_id, c.definition_id, to_char(c.obtained_on, 'YYYY-MM-DD') as obtained_on, c.number, c.auto_numbered
           from (select distinct * from unnest($1::uuid[], $2::uuid[], $3::date[]) as k(user_id, definition_id, obtained_on)) k
           join obtained_certificates c
             on c.user_id = k.user_id and c.definition_id = k.definition_id and c.obtained_on = k.obtained_on and not c.auto_numbered`,
      );
    }
    if (automatic.length > 0) {
      const [users, dates] = [params.length + 1, params.length + 2];
      params.push(automatic.map((r) => r.user.id), automatic.map((r) => r.dateObtained));
      probes.push(
        `select c.user_id, c.definition_id, to_char(c.obtained_on, 'YYYY-MM-DD') as obtained_on, c.number, c.auto_numbered
           from (select distinct * from unnest($${users}::uuid[], $${dates}::date[]) as k(user_id, obtained_on)) k
           join obtained_certificates c on c.user_id = k.user_id and c.obtained_on = k.obtained_on and c.auto_numbered is not false`,
      );
    }
    if (probes.length === 0) return new Set();
    const found = await executeBound<{ user_id: string; definition_id: string; obtained_on: string; number: string | null; auto_numbered: boolean }>(
      this.em,
      probes.join('\n union all\n'),
      params,
    );
    return new Set(
      found.map((c) => `${c.user_id}|${c.definition_id}|${c.obtained_on}|${c.auto_numbered ? '#auto' : (c.number ?? '').toLowerCase()}`),
    );
  }

  /** Automatic numbers per definition, in one statement each; a validate-only run only previews them. */
  private async reserveNumbers(rows: CheckedRow[], preview: boolean): Promise<Map<string, string[]>> {
    const countByDefinition = new Map<string, number>();
    for (const row of rows) countByDefinition.set(row.definition.id, (countByDefinition.get(row.definition.id) ?? 0) + 1);
    const reserved = new Map<string, string[]>();
    for (const [definitionId, count] of countByDefinition) {
      reserved.set(definitionId, await this.commands.execute(new AllocateCertificateNumbersCommand(definitionId, count, preview)));
    }
    return reserved;
  }
}

const CERTIFICATE_ENTITY = 'obtained-certificate';

function undoOutcome(row: UndoRow, result: ImportedCertificateRemoval): RowOutcome {
  const entityId = row.change.id;
  switch (result) {
    case 'removed':
      return { rowNumber: row.rowNumber, status: 'succeeded', errors: [], warnings: [], entityId, change: { entity: CERTIFICATE_ENTITY, id: entityId, before: row.change.after, after: null } };
    case 'changed_since':
      return { rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.UNDO_CHANGED_SINCE' }], entityId };
    case 'gone':
      return { rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'IMPORTS.UNDO_ALREADY_GONE' }], entityId };
    case 'forbidden':
      // The holder is outside the admin's groups now: only someone who sees everyone may remove it.
      return { rowNumber: row.rowNumber, status: 'failed', errors: [{ code: 'COMMON.FORBIDDEN', params: { permission: Permissions.ScopeAll } }], warnings: [], entityId };
  }
}

function keyOf(row: CheckedRow): string {
  return `${row.user.id}|${row.definition.id}|${row.dateObtained}|${row.autoNumber ? '#auto' : (row.number ?? '').toLowerCase()}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))];
}

@Injectable()
@ImportTypeProvider()
export class ObtainedCertificatesWithFilesImport extends ObtainedCertificatesImportBase {
  key = 'obtained-certificates-with-files';
  permission = Permissions.ImportObtainedCertificatesWithFiles;
  title = 'Obtained certificates with attachments (ZIP)';
  description =
    'Bulk add obtained certificates with their PDF certificates or scans. Put the filled-in template and all attachments in the root of a ZIP (max 500 MB); file names must match exactly, including the extension and case.';
  fileKinds: ImportTypeDefinition['fileKinds'] = ['zip'];
  templateFileName = 'certificatesWithFiles_template.xlsx';
  columns = [FILE_COLUMN, ...CERTIFICATE_COLUMNS];
  maxChunkSize = 250;
  protected withFiles = true;

  constructor(commands: CommandBus, queries: QueryBus, em: EntityManager) {
    super(commands, queries, em);
  }
}

@Injectable()
@ImportTypeProvider()
export class ObtainedCertificatesImport extends ObtainedCertificatesImportBase {
  key = 'obtained-certificates';
  permission = Permissions.ImportObtainedCertificates;
  title = 'Obtained certificates (XLSX or CSV)';
  description = 'Bulk add obtained certificates from a spreadsheet, without attachments.';
  fileKinds: ImportTypeDefinition['fileKinds'] = ['xlsx', 'csv'];
  templateFileName = 'certificates_template.xlsx';
  columns = CERTIFICATE_COLUMNS;
  protected withFiles = false;

  constructor(commands: CommandBus, queries: QueryBus, em: EntityManager) {
    super(commands, queries, em);
  }
}
