import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { rm } from 'node:fs/promises';
import { ImportStarted } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, invalid } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { fileKindOf, Import } from '../../../domain/import.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';
import { ImportQuota } from '../../pending-import-bytes.js';

export interface UploadedFile {
  /** Temporary file written by the upload. Removed by the handler. */
  path: string;
  originalName: string;
  size: number;
}

export class StartImportCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly type: string,
    readonly file: UploadedFile,
    readonly validateOnly: boolean,
    readonly options: Record<string, unknown>,
    readonly retryOf: string | null = null,
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
  ) {}

  async execute({ principal, type: typeKey, file, validateOnly, options, retryOf }: StartImportCommand) {
    try {
      const type = this.registry.forPrincipal(typeKey, principal);
      const kind = fileKindOf(file.originalName);
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
          validateOnly,
          options,
          file: { name: file.originalName, kind, key: stored.key, size: stored.size },
          startedBy: { id: principal.userId, name: principal.displayName, language: principal.language },
          retryOf,
        });
        em.persist(run);
        recordEvent(em, new ImportStarted({ importId: run.id, type: run.type, validateOnly }));
        await em.flush();
        return { id: run.id };
      });
    } finally {
      await rm(file.path, { force: true });
    }
  }
}
