import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LicenceChanged } from '#libs/contracts/licences/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { assertNumberGiven, jurisdiction, licenceDates, licenceNumber } from '../../../domain/licence.js';
import { eventState, LicenceStore } from '../../../infrastructure/licence-store.js';
import { LicenceAccess } from '../../licence-access.js';

/** What to change; undefined: unchanged, null (number, jurisdiction, expiry): cleared. */
export interface LicenceChange {
  number?: string | null;
  jurisdiction?: string | null;
  issuedOn?: string;
  expiresOn?: string | null;
}

/** Changes a licence of a user in the principal's scope; LicenceChanged when anything changed. */
export class ChangeLicenceCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly licenceId: string,
    readonly change: LicenceChange,
  ) {
    super();
  }
}

@CommandHandler(ChangeLicenceCommand)
export class ChangeLicenceHandler implements ICommandHandler<ChangeLicenceCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, licenceId, change }: ChangeLicenceCommand) {
    try {
      await this.em.transactional(async (tx) => {
        const current = await LicenceStore.licence(tx, licenceId, true);
        if (!current || !(await this.access.userInScope(principal, current.userId))) throw notFound('LICENCES.LICENCE_NOT_FOUND');
        const number = change.number === undefined ? current.number : licenceNumber(change.number);
        assertNumberGiven(current.numberRequired, number, current.typeCode);
        const dates = licenceDates(change.issuedOn ?? current.issuedOn, change.expiresOn === undefined ? current.expiresOn : change.expiresOn, null);
        const next = { id: current.id, userId: current.userId, typeId: current.typeId, number, jurisdiction: change.jurisdiction === undefined ? current.jurisdiction : jurisdiction(change.jurisdiction), ...dates };
        const same = next.number === current.number && next.jurisdiction === current.jurisdiction && next.issuedOn === current.issuedOn && next.expiresOn === current.expiresOn;
        if (same) return;
        const versions = await LicenceStore.update(tx, [next]);
        const type = { code: current.typeCode, name: current.typeName };
        recordEvent(tx, new LicenceChanged({ ...eventState({ ...next, version: versions.get(next.id)! }, type), changedBy: principal.userId, source: 'manual', importId: null }));
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('LICENCES.ALREADY_EXISTS');
      throw error;
    }
  }
}
