import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict, notFound } from '#libs/errors/domain-error.js';

/** Deletes a licence type that no licence is of (409 naming how many are; retire it instead). */
export class DeleteLicenceTypeCommand extends Command<void> {
  constructor(readonly typeId: string) {
    super();
  }
}

@CommandHandler(DeleteLicenceTypeCommand)
export class DeleteLicenceTypeHandler implements ICommandHandler<DeleteLicenceTypeCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ typeId }: DeleteLicenceTypeCommand) {
    await this.em.transactional(async (tx) => {
      const [type] = await tx.execute<{ id: string }[]>(`select id from licence_types where id = ? for update`, [typeId]);
      if (!type) throw notFound('LICENCES.TYPE_NOT_FOUND');
      const [{ count }] = await tx.execute<{ count: number }[]>(`select count(*)::int as count from user_licences where type_id = ?`, [typeId]);
      if (count > 0) throw conflict('LICENCES.TYPE_IN_USE', { count });
      await tx.execute(`delete from licence_types where id = ?`, [typeId]);
    });
  }
}
