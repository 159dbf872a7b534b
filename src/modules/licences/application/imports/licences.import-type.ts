import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ImportTypeProvider,
  type ImportChunkContext,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
  type UndoRow,
} from '#libs/contracts/imports/index.js';
import { Permissions } from '#libs/contracts/users/index.js';
import '../../domain/messages.js';
import { ImportLicencesChunkCommand } from '../commands/import-licences-chunk/import-licences-chunk.handler.js';
import { UndoImportedLicencesCommand } from '../commands/undo-imported-licences/undo-imported-licences.handler.js';
import { LICENCE_COLUMNS, LICENCES_XML_RECORD } from './licence-import-format.js';

/**
 * The `licences` import type: users' licences and certifications from tab-delimited text or XML (CSV and
 * XLSX read too), with an Action column (Add, Edit, Delete). Validate-only by default: an upload checks the
 * file and answers "likely to succeed" or "errors found"; validateOnly=false imports it. A chunk of rows
 * becomes one ImportLicencesChunkCommand; undo one UndoImportedLicencesCommand per chunk.
 */
@Injectable()
@ImportTypeProvider()
export class LicencesImport implements ImportTypeDefinition {
  key = 'licences';
  permission = Permissions.ImportLicences;
  title = 'Licences and certifications (tab-delimited .txt or .xml)';
  description =
    'Add, edit or delete users\' licences and certifications. Only validates the file unless validateOnly=false. Get the file to fill in from GET /api/licence-types/export?format=txt (or xml): one example row per active licence type.';
  fileKinds: ImportTypeDefinition['fileKinds'] = ['txt', 'xml', 'csv', 'xlsx'];
  templateFileName = 'licences_template.xlsx';
  columns = LICENCE_COLUMNS;
  xml = { recordElement: LICENCES_XML_RECORD, fields: LICENCE_COLUMNS.map((column) => column.xml) };
  validateOnlyByDefault = true;
  /**
   * One touch per licence per file: a second row of the same user + type + number (or user + type without a
   * number) fails, both of them, at staging (so validation reports it). Undo restores the state recorded per
   * row; two rows of one licence recorded two states, and undo put back the wrong one. A user given by code
   * in one row and by email in another is caught in the chunk (ImportLicencesChunkHandler).
   */
  keys = [{ columns: ['user', 'typeCode', 'number'], optional: ['number'] }];

  constructor(private readonly commands: CommandBus) {}

  processChunk(rows: RawImportRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    return this.commands.execute(new ImportLicencesChunkCommand(context.principal, context.importId, rows, context.validateOnly));
  }

  undoChunk(rows: UndoRow[], context: ImportChunkContext): Promise<RowOutcome[]> {
    return this.commands.execute(new UndoImportedLicencesCommand(context.principal, context.importId, rows));
  }
}
