import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '#libs/errors/domain-error.js';
import { changedTypeFields, type LicenceTypeFields, type LicenceTypeStatus } from '../../../domain/licence-type.js';
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

  async execute({ typeId, change }: UpdateLicenceTypeCommand) {
    const current = await LicenceStore.type(this.em, typeId);
    if (!current) throw notFound('LICENCES.TYPE_NOT_FOUND');
    const fields = changedTypeFields(current, change);
    await this.em.execute(
      `update licence_types set name = ?, issuing_body = ?, number_required = ?, default_validity_months = ?, status = ?, updated_at = now() where id = ?`,
      [fields.name, fields.issuingBody, fields.numberRequired, fields.defaultValidityMonths, change.status ?? current.status, typeId],
    );
  }
}
