import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '#libs/errors/domain-error.js';
import { typeColumnsToWrite, type LicenceTypeFields, type LicenceTypeStatus } from '../../../domain/licence-type.js';
import { LicenceStore } from '../../../infrastructure/licence-store.js';

/**
 * Changes a licence type's fields (undefined: unchanged) and/or its status (retire, reactivate). The code
 * is the key of import files and cannot change. Licences already recorded keep their dates when the
 * default validity changes; a retired type keeps its licences (they can still be changed by hand,
 * deleted, and they count in reports) but gets no new ones.
 */
export class UpdateLicenceTypeCommand extends Command<void> {
  constructor(
    readonly typeId: string,
    readonly change: Partial<LicenceTypeFields> & { status?: LicenceTypeStatus },
  ) {
    super();
  }
}

@CommandHandler(UpdateLicenceTypeCommand)
export class UpdateLicenceTypeHandler implements ICommandHandler<UpdateLicenceTypeCommand> {
  constructor(private readonly em: EntityManager) {}

  /**
   * The row is locked while it is read and written (a retire and a PATCH at once run one after the other),
   * and only the columns the change gives are written: a PATCH read before a retire committed can no
   * longer write the old status back.
   */
  async execute({ typeId, change }: UpdateLicenceTypeCommand) {
    await this.em.transactional(async (tx) => {
      const locked = await tx.execute(`select id from licence_types where id = ? for update`, [typeId]);
      const current = locked.length > 0 ? await LicenceStore.type(tx, typeId) : undefined;
      if (!current) throw notFound('LICENCES.TYPE_NOT_FOUND');
      const columns = typeColumnsToWrite(current, change);
      const names = Object.keys(columns);
      if (names.length === 0) return;
      await tx.execute(`update licence_types set ${names.map((name) => `${name} = ?`).join(', ')}, updated_at = now() where id = ?`, [...Object.values(columns), typeId]);
    });
  }
}
