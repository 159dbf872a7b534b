import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '../../../../../../libs/contracts/users/index.js';
import { Import } from '../../../domain/import.js';
import { finishImport } from '../../processing/chunk-processor.js';
import { ImportAccess } from '../../import-access.js';

export class CancelImportCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
  ) {
    super();
  }
}

/** Cancels a running import. Rows already done stay done; ImportCompleted says "cancelled". */
@CommandHandler(CancelImportCommand)
export class CancelImportHandler implements ICommandHandler<CancelImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
  ) {}

  async execute({ principal, importId }: CancelImportCommand) {
    await this.access.assertVisible(principal, importId);
    const run = await this.em.findOneOrFail(Import, { id: importId });
    run.cancel();
    await this.em.transactional((tx) => finishImport(tx, importId, 'cancelled'));
  }
}
