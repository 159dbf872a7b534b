import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import {
  FindDefinitionsByCodesQuery,
  RegisterObtainedCertificateCommand,
  RegisterObtainedCertificatesCommand,
  type CertificateRegistration,
  type RegisterObtainedCertificateInput,
} from '#libs/contracts/certificates/index.js';
import { GetUsersInScopeQuery } from '#libs/contracts/users/index.js';
import { conflict, DomainError, invalid } from '#libs/errors/domain-error.js';
import type { DefinitionTerms } from '../../../domain/certificate-definition.js';
import type { ObtainedCertificateValues } from '../../../domain/obtained-certificate.js';
import { Catalogue } from '../../catalogue.js';
import { assertRegistrable, ObtainedCertificateRegistrar } from '../../obtained-certificate-registrar.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Registers one obtained certificate: for a user in the principal's scope (out of scope reads as not
 * found), under its definition's rules, with its attachment, and with ObtainedCertificateRegistered in
 * the same unit of work. Used by the HTTP endpoint, the demo seeder and external certificates; an import
 * chunk registers its certificates with RegisterObtainedCertificatesCommand (below), same steps.
 */
@CommandHandler(RegisterObtainedCertificateCommand)
export class RegisterObtainedCertificateHandler implements ICommandHandler<RegisterObtainedCertificateCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly catalogue: Catalogue,
    private readonly registrar: ObtainedCertificateRegistrar,
  ) {}

  async execute({ principal, input, options }: RegisterObtainedCertificateCommand) {
    const definition = await this.definitionOf(input);
    assertRegistrable(UUID.test(input.userId) ? (await this.queries.execute(new GetUsersInScopeQuery(principal, [input.userId])))[0] : undefined);
    if (input.externalCertificateId !== undefined) {
      // At most one certificate per external certificate: registering it again answers the first one.
      if (options.deferWrite) throw new Error('an external certificate is registered on its own, not in a deferred bulk write');
      const existing = await this.registeredFrom(input.externalCertificateId, input.userId);
      if (existing) return existing;
    }
    // A deferred (bulk) write needs the values only: no entity for the ORM to manage per row.
    const deferred = options.deferWrite === true && options.flush === false;
    const registered = await this.registrar.register(principal, input, definition, {
      deferred,
      beforeStoring: options.flush !== false ? (certificate) => (certificate.autoNumbered ? Promise.resolve() : this.assertNotRegisteredYet(certificate)) : undefined,
    });
    if (options.flush !== false) await this.em.flush();
    return registered;
  }

  private async registeredFrom(externalCertificateId: string, userId: string): Promise<{ id: string; number: string | null } | undefined> {
    if (!UUID.test(externalCertificateId)) throw invalid('COMMON.BAD_REQUEST', { reason: 'externalCertificateId: not a uuid' });
    const [row] = await this.em.execute<{ id: string; number: string | null; user_id: string }[]>(
      `select id, number, user_id from obtained_certificates where external_certificate_id = ?`,
      [externalCertificateId],
    );
    if (row && row.user_id !== userId) throw conflict('CERTIFICATES.EXTERNAL_CERTIFICATE_TAKEN');
    return row ? { id: row.id, number: row.number } : undefined;
  }

  /** One certificate per user, definition, date and number (bulk callers check a whole batch themselves). */
  private async assertNotRegisteredYet(certificate: ObtainedCertificateValues): Promise<void> {
    const rows = await this.em.execute(
      `select 1 from obtained_certificates where user_id = ? and definition_id = ? and obtained_on = ?
          and lower(coalesce(number, '')) = lower(?) and not auto_numbered`,
      [certificate.userId, certificate.definitionId, certificate.dateObtained, certificate.number ?? ''],
    );
    if (rows.length > 0) {
      throw conflict('CERTIFICATES.ALREADY_REGISTERED', { dateObtained: certificate.dateObtained, number: certificate.number ?? '-' });
    }
  }

  /** By code through FindDefinitionsByCodes: inside an import chunk, the chunk's batch lookup answers it. */
  private async definitionOf(input: RegisterObtainedCertificateInput): Promise<DefinitionTerms> {
    if (!input.definitionId && input.definitionCode) {
      const [definition] = await this.queries.execute(new FindDefinitionsByCodesQuery([input.definitionCode]));
      if (definition) return definition;
    }
    return (await this.catalogue.definitionByIdOrCode(input)).summary();
  }
}

/**
 * RegisterObtainedCertificatesCommand: the single command's rules for each input, with the users and the
 * definitions looked up once for the batch, and every certificate written by the bulk writer when the caller
 * flushes. One dispatch per chunk instead of three per row (the command and its two lookups through the buses).
 */
@CommandHandler(RegisterObtainedCertificatesCommand)
export class RegisterObtainedCertificatesHandler implements ICommandHandler<RegisterObtainedCertificatesCommand> {
  constructor(
    private readonly queries: QueryBus,
    private readonly catalogue: Catalogue,
    private readonly registrar: ObtainedCertificateRegistrar,
  ) {}

  async execute({ principal, inputs }: RegisterObtainedCertificatesCommand): Promise<CertificateRegistration[]> {
    const codes = [...new Set(inputs.flatMap((input) => (!input.definitionId && input.definitionCode ? [input.definitionCode.trim().toUpperCase()] : [])))];
    const definitions = new Map((codes.length > 0 ? await this.queries.execute(new FindDefinitionsByCodesQuery(codes)) : []).map((d) => [d.code.toUpperCase(), d] as const));
    const userIds = [...new Set(inputs.map((input) => input.userId).filter((id) => UUID.test(id)))];
    const users = new Map((userIds.length > 0 ? await this.queries.execute(new GetUsersInScopeQuery(principal, userIds)) : []).map((user) => [user.id, user] as const));
    const results: CertificateRegistration[] = [];
    for (const input of inputs) {
      try {
        if (input.externalCertificateId !== undefined) throw new Error('an external certificate is registered on its own, not in a bulk registration');
        const definition = (!input.definitionId && input.definitionCode ? definitions.get(input.definitionCode.trim().toUpperCase()) : undefined) ?? (await this.catalogue.definitionByIdOrCode(input)).summary();
        assertRegistrable(users.get(input.userId));
        results.push(await this.registrar.register(principal, input, definition, { deferred: true }));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results.push({ refused: { code: error.code, params: error.params } });
      }
    }
    return results;
  }
}
