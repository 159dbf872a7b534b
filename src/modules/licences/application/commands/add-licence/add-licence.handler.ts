import { randomUUID } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LicenceAdded } from '#libs/contracts/licences/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, invalid, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { assertNumberGiven, jurisdiction, licenceDates, licenceNumber } from '../../../domain/licence.js';
import { licenceTypeCode, type LicenceTypeState } from '../../../domain/licence-type.js';
import { eventState, LicenceStore, TYPE_COLUMNS } from '../../../infrastructure/licence-store.js';
import { LicenceAccess } from '../../licence-access.js';

export interface AddLicenceInput {
  userId: string;
  typeId?: string;
  typeCode?: string;
  number?: string | null;
  jurisdiction?: string | null;
  /** YYYY-MM-DD */
  issuedOn: string;
  /** YYYY-MM-DD; absent or null: issue date + the type's default validity (none: no expiry). */
  expiresOn?: string | null;
}

/** Records a licence for a user in the principal's scope, by hand; LicenceAdded in the same transaction. */
export class AddLicenceCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly input: AddLicenceInput,
    readonly source: 'manual' | 'demo' = 'manual',
  ) {
    super();
  }
}

@CommandHandler(AddLicenceCommand)
export class AddLicenceHandler implements ICommandHandler<AddLicenceCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, input, source }: AddLicenceCommand) {
    // Unknown and out of scope answer alike.
    if (!(await this.access.userInScope(principal, input.userId))) throw notFound('LICENCES.USER_NOT_FOUND');
    const type = await this.typeOf(input);
    if (type.status === 'retired') throw invalid('LICENCES.TYPE_RETIRED', { type: type.code });
    const number = licenceNumber(input.number);
    assertNumberGiven(type.numberRequired, number, type.code);
    const dates = licenceDates(input.issuedOn, input.expiresOn ?? null, type.defaultValidityMonths);
    const licence = { id: randomUUID(), userId: input.userId, typeId: type.id, number, jurisdiction: jurisdiction(input.jurisdiction), ...dates };
    try {
      await this.em.transactional(async (tx) => {
        const versions = await LicenceStore.insert(tx, [licence]);
        recordEvent(tx, new LicenceAdded({ ...eventState({ ...licence, version: versions.get(licence.id)! }, type), changedBy: principal.userId, source, importId: null }));
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('LICENCES.ALREADY_EXISTS');
      throw error;
    }
    return { id: licence.id };
  }

  private async typeOf(input: AddLicenceInput): Promise<LicenceTypeState> {
    if (input.typeId) {
      const [type] = await this.em.execute<LicenceTypeState[]>(`select ${TYPE_COLUMNS} from licence_types t where t.id = ?`, [input.typeId]);
      if (!type) throw notFound('LICENCES.TYPE_NOT_FOUND');
      return type;
    }
    if (!input.typeCode) throw invalid('LICENCES.TYPE_REQUIRED');
    const [type] = await LicenceStore.typesByCodes(this.em, [licenceTypeCode(input.typeCode)]);
    if (!type) throw notFound('LICENCES.TYPE_NOT_FOUND');
    return type;
  }
}
