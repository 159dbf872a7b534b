import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { rm } from 'node:fs/promises';
import { ImportStarted } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, invalid } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { isLegacyExcelName, isOle2CompoundFileAt } from '#libs/spreadsheet/legacy-excel.js';
import { tableReaders } from '#libs/spreadsheet/table-readers.js';
import { Import } from '../../../domain/import.js';
import { legacyExcel } from '../../../domain/sheet-and-availability-messages.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';
import { ImportColumns } from '../../import-columns.js';
import { ImportQuota } from '../../pending-import-bytes.js';

function isMapping(value: unknown): value is Record<string, string | null> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((key) => key === null || typeof key === 'string');
}

export interface UploadedFile {
  /** Temporary file written by the upload. Removed by the handler. */
  path: string;
  originalName: string;
  size: number;
}

export interface StartImportSettings {
  /** Stop after validation; undefined: the type's default. */
  validateOnly?: boolean;
  /** Run straight through when the mapping is complete and nothing needs confirming. */
  autoConfirm: boolean;
  options: Record<string, unknown>;
  /** Header -> column key (or null: skip), sent with the upload. */
  mapping?: Record<string, string | null>;
}

export class StartImportCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly type: string,
    readonly file: UploadedFile,
    readonly settings: StartImportSettings,
  ) {
    super();
  }
}

/**
 * Queues an import: checks the type, its permission and the kind of file, moves the upload into
 * storage (so any worker can read it), and records the Import with ImportStarted in one transaction,
 * once the file fits the user's pending-import quota.
 */
@CommandHandler(StartImportCommand)
export class StartImportHandler implements ICommandHandler<StartImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ImportTypeRegistry,
    private readonly storage: StoragePort,
    private readonly quota: ImportQuota,
    private readonly columns: ImportColumns,
  ) {}

  async execute({ principal, type: typeKey, file, settings }: StartImportCommand) {
    try {
      const type = await this.registry.usableBy(typeKey, principal);
      // What the options grant (groups, roles) is checked now, before anything is stored or queued.
      // Without auto-confirm they are checked again, with the mapping, when the admin sets them.
      const legacyMapping = settings.options.columnMapping;
      // A required option may be left to the mapping (the credential group): only an auto-confirmed upload,
      // which may run without one, must bring every required option now.
      const options = await this.columns.checkOptions(type, principal, settings.options, { requiredNow: settings.autoConfirm === true });
      const mapping = settings.mapping ?? (isMapping(legacyMapping) ? legacyMapping : undefined);
      // No reader here reads Excel 97-2003 (see README): said plainly, whatever the file is called.
      if (isLegacyExcelName(file.originalName) || (file.size > 0 && (await isOle2CompoundFileAt(file.path)))) throw legacyExcel(file.originalName);
      const kind = /\.zip$/i.test(file.originalName) ? 'zip' : tableReaders.kindOfFileName(file.originalName);
      if (!kind || !type.fileKinds.includes(kind)) {
        throw new DomainError('IMPORTS.FILE_KIND_NOT_ACCEPTED', 'unsupported_media_type', {
          type: type.key,
          accepted: type.fileKinds.map((k) => `.${k}`).join(', '),
          fileName: file.originalName,
        });
      }
      if (file.size === 0) throw invalid('IMPORTS.FILE_EMPTY');
      return await this.em.transactional(async (em) => {
        await this.quota.assertFits(em, principal.userId, file.size);
        const stored = await this.storage.putFile(file.path);
        const run = Import.queue({
          type: type.key,
          validateOnly: settings.validateOnly ?? type.validateOnlyByDefault ?? false,
          autoConfirm: settings.autoConfirm,
          options,
          mapping,
          file: { name: file.originalName, kind, key: stored.key, size: stored.size },
          startedBy: { id: principal.userId, name: principal.displayName, language: principal.language },
        });
        em.persist(run);
        recordEvent(em, new ImportStarted({ importId: run.id, type: run.type, validateOnly: run.validateOnly }));
        await em.flush();
        return { id: run.id };
      });
    } finally {
      await rm(file.path, { force: true });
    }
  }
}
