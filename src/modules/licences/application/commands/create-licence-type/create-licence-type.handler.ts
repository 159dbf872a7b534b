import { randomUUID } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict } from '#libs/errors/domain-error.js';
import { checkedTypeFields, licenceTypeCode, type LicenceTypeFields } from '../../../domain/licence-type.js';

export class CreateLicenceTypeCommand extends Command<{ id: string }> {
  constructor(readonly input: { code: string } & LicenceTypeFields) {
    super();
  }
}

@CommandHandler(CreateLicenceTypeCommand)
export class CreateLicenceTypeHandler implements ICommandHandler<CreateLicenceTypeCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ input }: CreateLicenceTypeCommand) {
    const code = licenceTypeCode(input.code);
    const fields = checkedTypeFields(input);
    const id = randomUUID();
    try {
      await this.em.execute(
        `insert into licence_types (id, code, name, issuing_body, number_required, default_validity_months) values (?, ?, ?, ?, ?, ?)`,
        [id, code, fields.name, fields.issuingBody, fields.numberRequired, fields.defaultValidityMonths],
      );
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('LICENCES.TYPE_CODE_TAKEN', { code });
      throw error;
    }
    return { id };
  }
}
