import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, forbidden } from '#libs/errors/domain-error.js';
import { Import } from '../../../domain/import.js';
import { ImportRepository } from '../../../infrastructure/import-repository.js';
import { ImportAccess } from '../../import-access.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';
import { validatedImport } from '../../processing/chunk-processor.js';

export class ConfirmImportCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly acknowledgedWarnings: string[],
  ) {
    super();
  }
}

/**
 * Runs a validated import for real. Every warning the type marks as needing confirmation must be
 * acknowledged, and the type's import-level check runs again now (credits may have gone meanwhile):
 * 409 naming what stops it. Rows that failed validation are not run; they stay failed in the log.
 */
@CommandHandler(ConfirmImportCommand)
export class ConfirmImportHandler implements ICommandHandler<ConfirmImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly registry: ImportTypeRegistry,
    private readonly imports: ImportRepository,
  ) {}

  async execute({ principal, importId, acknowledgedWarnings }: ConfirmImportCommand) {
    await this.access.assertVisible(principal, importId);
    const em = this.em.fork();
    const run = await em.findOneOrFail(Import, { id: importId });
    const type = await this.registry.usableBy(run.type, principal);
    // The run acts as its starter (their scope, their name in the log): a decision by anyone else would
    // grant in their name what they may not grant themselves.
    if (run.startedBy !== principal.userId) throw forbidden('IMPORTS.ONLY_STARTER_DECIDES', { name: run.startedByName });
    if (run.status !== 'awaiting_confirmation') throw conflict('IMPORTS.NOT_AWAITING_CONFIRMATION', { status: run.status });
    const problems = type.checkBeforeRun ? await type.checkBeforeRun(validatedImport(em, run, principal, run.validRows, run.validation?.warningGroups ?? [])) : [];
    run.confirm(acknowledgedWarnings, problems);
    await em.transactional(async (tx) => {
      if (!(await this.imports.saveDecision(tx, run, 'awaiting_confirmation'))) throw conflict('IMPORTS.NOT_AWAITING_CONFIRMATION', { status: 'changed' });
    });
  }
}
