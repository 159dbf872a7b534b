import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict } from '#libs/errors/domain-error.js';
import { Import } from '../../../domain/import.js';
import { ImportRepository } from '../../../infrastructure/import-repository.js';
import { ImportAccess } from '../../import-access.js';

export class CancelImportCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
  ) {
    super();
  }
}

/** Cancels an import that has not ended, waiting or running. Rows already done stay done; ImportCompleted says "cancelled". */
@CommandHandler(CancelImportCommand)
export class CancelImportHandler implements ICommandHandler<CancelImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly imports: ImportRepository,
  ) {}

  async execute({ principal, importId }: CancelImportCommand) {
    await this.access.assertVisible(principal, importId);
    // A fork that is never flushed: the guarded update in finish is what ends the import, so a last
    // chunk that ends it meanwhile is not overwritten.
    const em = this.em.fork();
    const run = await em.findOneOrFail(Import, { id: importId });
    run.cancel();
    if (!(await em.fork().transactional((tx) => this.imports.finish(tx, importId, 'cancelled')))) {
      const [current] = await em.execute<{ status: string }[]>(`select status from imports where id = ?`, [importId]);
      throw conflict('IMPORTS.NOT_CANCELLABLE', { status: current.status });
    }
  }
}
