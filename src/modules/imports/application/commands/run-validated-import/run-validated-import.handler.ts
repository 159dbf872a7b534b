import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import { ImportStarted } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { Import } from '../../../domain/import.js';
import { ImportAccess } from '../../import-access.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';
import { REAL_RUN_TAKES_UPLOAD } from '../../kept-import-files.js';

export class RunValidatedImportCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
  ) {
    super();
  }
}

/** After a validate-only run, runs the same file for real without uploading it again. */
@CommandHandler(RunValidatedImportCommand)
export class RunValidatedImportHandler implements ICommandHandler<RunValidatedImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly registry: ImportTypeRegistry,
    private readonly config: AppConfig,
  ) {}

  async execute(command: RunValidatedImportCommand) {
    return this.em.transactional(() => this.run(command));
  }

  private async run({ principal, importId }: RunValidatedImportCommand) {
    await this.access.assertVisible(principal, importId);
    // Locked, so that a double click does not start the same file twice.
    const source = await this.em.findOneOrFail(Import, { id: importId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const earlier = await this.em.execute(`select r.id from imports r where r.retry_of = ? and ${REAL_RUN_TAKES_UPLOAD('r')} limit 1`, [importId]);
    if (earlier.length > 0) throw conflict('IMPORTS.ALREADY_RUN', { id: String(earlier[0].id) });
    await this.registry.usableBy(source.type, principal);
    if (!source.validateOnly || (source.status !== 'completed' && source.status !== 'completed_with_errors')) {
      throw conflict('IMPORTS.NOT_A_FINISHED_VALIDATION', { status: source.status });
    }
    // The upload is kept this long after the validation finished (the stored-file collector's rule).
    const retentionDays = this.config.imports.uploadRetentionDays;
    if (!source.finishedAt || source.finishedAt.getTime() <= Date.now() - retentionDays * 86_400_000) {
      throw conflict('IMPORTS.UPLOAD_EXPIRED', { days: retentionDays });
    }
    const run = Import.queue({
      type: source.type,
      validateOnly: false,
      // The mapping the validation used, run straight through; warnings that need confirming still stop it.
      autoConfirm: true,
      mapping: source.mapping,
      options: source.options,
      file: { name: source.fileName, kind: source.fileKind, key: source.fileKey, size: source.fileSize },
      startedBy: { id: principal.userId, name: principal.displayName, language: principal.language },
      retryOf: source.id,
    });
    this.em.persist(run);
    recordEvent(this.em, new ImportStarted({ importId: run.id, type: run.type, validateOnly: false }));
    await this.em.flush();
    return { id: run.id };
  }
}
