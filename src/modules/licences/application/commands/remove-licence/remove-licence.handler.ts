import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LicenceRemoved } from '#libs/contracts/licences/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { LicenceStore } from '../../../infrastructure/licence-store.js';
import { LicenceAccess } from '../../licence-access.js';

/** Deletes a licence of a user in the principal's scope; LicenceRemoved in the same transaction. */
export class RemoveLicenceCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly licenceId: string,
  ) {
    super();
  }
}

@CommandHandler(RemoveLicenceCommand)
export class RemoveLicenceHandler implements ICommandHandler<RemoveLicenceCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, licenceId }: RemoveLicenceCommand) {
    await this.em.transactional(async (tx) => {
      const current = await LicenceStore.licence(tx, licenceId, true);
      if (!current || !(await this.access.userInScope(principal, current.userId))) throw notFound('LICENCES.LICENCE_NOT_FOUND');
      const removed = await LicenceStore.remove(tx, [current.id]);
      recordEvent(
        tx,
        new LicenceRemoved({
          licenceId: current.id,
          userId: current.userId,
          typeId: current.typeId,
          typeCode: current.typeCode,
          version: removed.get(current.id)!,
          changedBy: principal.userId,
          source: 'manual',
          importId: null,
        }),
      );
    });
  }
}
