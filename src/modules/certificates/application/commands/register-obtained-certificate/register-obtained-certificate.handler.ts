import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import {
  ObtainedCertificateRegistered,
  FindDefinitionsByCodesQuery,
  RegisterObtainedCertificateCommand,
  RegisterObtainedCertificatesCommand,
  type CertificateRegistration,
  type RegisterObtainedCertificateInput,
} from '#libs/contracts/certificates/index.js';
import { GetUsersInScopeQuery, type UserSummary } from '#libs/contracts/users/index.js';
import { conflict, DomainError, invalid, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import type { DefinitionTerms } from '../../../domain/certificate-definition.js';
import { ObtainedCertificate, type ObtainedCertificateValues } from '../../../domain/obtained-certificate.js';
import { CertificateBulkWriter } from '../../../infrastructure/certificate-bulk-writer.js';
import { CertificateNumberAllocator } from '../../../infrastructure/certificate-number-allocator.js';
import { AttachmentIntake } from '../../attachment-intake.js';
import { Catalogue } from '../../catalogue.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Registers one obtained certificate: for a user in the principal's scope (out of scope reads as not
 * found), under its definition's rules, with its attachment, and with ObtainedCertificateRegistered in
 * the same unit of work. Used by the HTTP endpoint, the demo seeder and (later) the import engine.
 */
@CommandHandler(RegisterObtainedCertificateCommand)
export class RegisterObtainedCertificateHandler implements ICommandHandler<RegisterObtainedCertificateCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly catalogue: Catalogue,
    private readonly numbers: CertificateNumberAllocator,
    private readonly attachments: AttachmentIntake,
    private readonly bulk: CertificateBulkWriter,
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
    // The file's type is checked before anything is written; its bytes are stored only once the rest holds.
    const inspected = input.attachment ? await this.attachments.inspect(input.attachment) : undefined;

    // A deferred (bulk) write needs the values only: no entity for the ORM to manage per row.
    const deferred = options.deferWrite === true && options.flush === false;
    const details = { ...input, registeredBy: principal.userId };
    const certificate = deferred ? ObtainedCertificate.decide(definition, details) : ObtainedCertificate.register(definition, details);
    if (ObtainedCertificate.awaitsAutoNumber(certificate)) {
      const [number] = await this.numbers.allocate(definition, 1);
      certificate.number = ObtainedCertificate.autoNumberFor(certificate, definition, number);
    }
    if (options.flush !== false && !certificate.autoNumbered) await this.assertNotRegisteredYet(certificate);
    const attachment = inspected ? ObtainedCertificate.attachmentOf(certificate.id, await this.attachments.store(inspected)) : undefined;
    if (deferred) {
      this.bulk.defer(this.em.getContext(), certificate, attachment);
    } else {
      this.em.persist(certificate);
      if (attachment) this.em.persist(attachment);
    }
    recordRegistered(this.em, certificate, definition);
    if (options.flush !== false) await this.em.flush();
    return { id: certificate.id, number: certificate.number };
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

/** The user a certificate is registered for: in the principal's scope (else not found, like a user that does not exist) and active. */
function assertRegistrable(user: UserSummary | undefined): asserts user is UserSummary {
  if (!user) throw notFound('CERTIFICATES.USER_NOT_FOUND');
  if (user.status !== 'active') throw conflict('CERTIFICATES.USER_DELETED');
}

function recordRegistered(em: EntityManager, certificate: ObtainedCertificateValues, definition: DefinitionTerms): void {
  recordEvent(
    em,
    new ObtainedCertificateRegistered({
      certificateId: certificate.id,
      userId: certificate.userId,
      definitionId: definition.id,
      definitionCode: definition.code,
      obtainedOn: certificate.dateObtained,
      expiresOn: certificate.dateExpires,
      source: certificate.source,
    }),
  );
}

/**
 * RegisterObtainedCertificatesCommand: the single command's rules for each input, with the users and the
 * definitions looked up once for the batch, and every certificate written by the bulk writer when the caller
 * flushes. One dispatch per chunk instead of three per row (the command and its two lookups through the buses).
 */
@CommandHandler(RegisterObtainedCertificatesCommand)
export class RegisterObtainedCertificatesHandler implements ICommandHandler<RegisterObtainedCertificatesCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly catalogue: Catalogue,
    private readonly numbers: CertificateNumberAllocator,
    private readonly attachments: AttachmentIntake,
    private readonly bulk: CertificateBulkWriter,
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
        const inspected = input.attachment ? await this.attachments.inspect(input.attachment) : undefined;
        const certificate = ObtainedCertificate.decide(definition, { ...input, registeredBy: principal.userId });
        if (ObtainedCertificate.awaitsAutoNumber(certificate)) {
          const [number] = await this.numbers.allocate(definition, 1);
          certificate.number = ObtainedCertificate.autoNumberFor(certificate, definition, number);
        }
        const attachment = inspected ? ObtainedCertificate.attachmentOf(certificate.id, await this.attachments.store(inspected)) : undefined;
        this.bulk.defer(this.em.getContext(), certificate, attachment);
        recordRegistered(this.em, certificate, definition);
        results.push({ id: certificate.id, number: certificate.number });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results.push({ refused: { code: error.code, params: error.params } });
      }
    }
    return results;
  }
}
