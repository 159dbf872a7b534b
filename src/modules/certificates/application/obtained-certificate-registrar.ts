import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ObtainedCertificateRegistered, type RegisterObtainedCertificateInput } from '#libs/contracts/certificates/index.js';
import type { Principal, UserSummary } from '#libs/contracts/users/index.js';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import type { DefinitionTerms } from '../domain/certificate-definition.js';
import { ObtainedCertificate, type ObtainedCertificateValues } from '../domain/obtained-certificate.js';
import { CertificateBulkWriter } from '../infrastructure/certificate-bulk-writer.js';
import { CertificateNumberAllocator } from '../infrastructure/certificate-number-allocator.js';
import { AttachmentIntake } from './attachment-intake.js';

export interface RegistrationWrite {
  /** Values handed to the bulk writer (written when the caller flushes), instead of an entity for the ORM. */
  deferred: boolean;
  /** Runs once the certificate is decided and numbered, before its attachment's bytes are stored. */
  beforeStoring?: (certificate: ObtainedCertificateValues) => Promise<void>;
}

/**
 * The steps every registration of an obtained certificate takes, one at a time or in a batch: its
 * attachment's type checked before anything is written, the definition's rules (ObtainedCertificate), an
 * automatic number where the definition gives one, the attachment's bytes stored once the rest holds, and
 * ObtainedCertificateRegistered in the same unit of work.
 */
@Injectable()
export class ObtainedCertificateRegistrar {
  constructor(
    private readonly em: EntityManager,
    private readonly numbers: CertificateNumberAllocator,
    private readonly attachments: AttachmentIntake,
    private readonly bulk: CertificateBulkWriter,
  ) {}

  async register(principal: Principal, input: RegisterObtainedCertificateInput, definition: DefinitionTerms, write: RegistrationWrite): Promise<{ id: string; number: string | null }> {
    const inspected = input.attachment ? await this.attachments.inspect(input.attachment) : undefined;
    const details = { ...input, registeredBy: principal.userId };
    const certificate = write.deferred ? ObtainedCertificate.decide(definition, details) : ObtainedCertificate.register(definition, details);
    if (ObtainedCertificate.awaitsAutoNumber(certificate)) {
      const [number] = await this.numbers.allocate(definition, 1);
      certificate.number = ObtainedCertificate.autoNumberFor(certificate, definition, number);
    }
    await write.beforeStoring?.(certificate);
    const attachment = inspected ? ObtainedCertificate.attachmentOf(certificate.id, await this.attachments.store(inspected)) : undefined;
    if (write.deferred) {
      this.bulk.defer(this.em.getContext(), certificate, attachment);
    } else {
      this.em.persist(certificate);
      if (attachment) this.em.persist(attachment);
    }
    recordEvent(
      this.em,
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
    return { id: certificate.id, number: certificate.number };
  }
}

/** The user a certificate is registered for: in the principal's scope (else not found, like a user that does not exist) and active. */
export function assertRegistrable(user: UserSummary | undefined): asserts user is UserSummary {
  if (!user) throw notFound('CERTIFICATES.USER_NOT_FOUND');
  if (user.status !== 'active') throw conflict('CERTIFICATES.USER_DELETED');
}
