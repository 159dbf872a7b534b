import { RequestContext, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RegisterObtainedCertificateCommand, type RegisterObtainedCertificateInput } from '#libs/contracts/certificates/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import {
  ExternalCertificateRecorded,
  ExternalCertificateValidated,
  type ExternalCertificateDecidedPayload,
  type ExternalCertificateFacts,
  type ExternalCertificateRecordedPayload,
} from '#libs/contracts/validation/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * Who registers a certificate that the Validation module accepted. The decision was authorised there
 * (a reviewer of the learner, or an admin whose scope covers them); by the time the event is delivered
 * that person may have lost the role or the relation, and a learner who recorded their own certificate
 * has no scope over themselves. So the registration runs with a principal made for this background work:
 * scope over everyone and no other permission, and the person who decided (or uploaded) as its userId,
 * which the certificate keeps as registeredBy. It carries no credential, so it opens nothing else.
 */
export function registrarFor(actorId: string): Principal {
  return {
    userId: actorId,
    email: 'system@localhost',
    displayName: 'External certificates',
    language: 'en',
    roles: [],
    permissions: [Permissions.ScopeAll],
    authenticatedWith: 'api-token',
  };
}

/**
 * What the Certificates module registers for an external certificate: its definition, the learner, the
 * dates of the task, source external, the PDF (already in the storage port, content-addressed) as the
 * attachment, and the external certificate's id (unique on obtained certificates). Without a definition
 * nothing enters the catalogue.
 *
 * A missing expiry date means the uploader gave none: the definition's default validity then applies,
 * as for every other registration without a date (manual, import). The catalogue says how long such a
 * certificate counts; "no date on the upload" is not "valid for ever".
 */
export function registrationOf(facts: ExternalCertificateFacts): RegisterObtainedCertificateInput | undefined {
  if (!facts.definitionId) return undefined;
  return {
    userId: facts.userId,
    definitionId: facts.definitionId,
    dateObtained: facts.deliveredOn,
    dateExpires: facts.expiresOn,
    source: 'external',
    attachment: { kind: 'stored', storageKey: facts.file.storageKey, fileName: facts.file.fileName },
    externalCertificateId: facts.externalCertificateId,
  };
}

/**
 * Registers the obtained certificate once per external certificate, whatever the deliveries:
 * - the inbox makes a redelivered event (same id) a no-op;
 * - the command answers the existing certificate for an external certificate registered before (a second
 *   event for it), recording no second ObtainedCertificateRegistered;
 * - two workers at once: the unique index on obtained_certificates.external_certificate_id lets one insert
 *   win; the other's savepoint is rolled back and it finds the winner's certificate ("already there").
 * A refusal of the catalogue (the definition deleted meanwhile, the learner deleted, an equal certificate
 * already registered) cannot get better by retrying: it is logged and the event is done with. Anything
 * else (the database, the storage) is thrown: the dispatcher retries and, after its attempts, keeps a
 * dead letter that an operator can retry.
 */
abstract class RegisterExternalCertificate<T extends ExternalCertificateFacts> implements IntegrationEventSubscriber<T> {
  private readonly logger = new Logger('RegisterExternalCertificate');

  constructor(private readonly commands: CommandBus) {}

  protected abstract actorOf(payload: T): string;

  async handle(event: DeliveredEvent<T>, em: EntityManager): Promise<void> {
    const input = registrationOf(event.payload);
    if (!input) return;
    const externalCertificateId = input.externalCertificateId!;
    try {
      // A savepoint: a refused or conflicting registration is undone without the inbox row.
      const registered = await em.transactional((savepoint) =>
        RequestContext.create(savepoint, () => this.commands.execute(new RegisterObtainedCertificateCommand(registrarFor(this.actorOf(event.payload)), input))),
      );
      this.logger.log({ msg: 'external certificate in the catalogue', eventId: event.id, externalCertificateId, certificateId: registered.id });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        const [existing] = await em.execute<{ id: string }[]>(`select id from obtained_certificates where external_certificate_id = ?`, [externalCertificateId]);
        if (!existing) throw error;
        this.logger.log({ msg: 'external certificate already in the catalogue', eventId: event.id, externalCertificateId, certificateId: existing.id });
        return;
      }
      if (error instanceof DomainError) {
        this.logger.warn({
          msg: 'external certificate not registered: the catalogue refused it',
          eventId: event.id,
          type: event.type,
          externalCertificateId,
          definitionId: input.definitionId,
          code: error.code,
          params: error.params,
        });
        return;
      }
      throw error;
    }
  }
}

@Injectable()
@SubscribesTo(ExternalCertificateValidated, 'certificates.register-validated-external-certificate')
export class RegisterValidatedExternalCertificateSubscriber extends RegisterExternalCertificate<ExternalCertificateDecidedPayload> {
  constructor(commands: CommandBus) {
    super(commands);
  }

  protected actorOf(payload: ExternalCertificateDecidedPayload): string {
    return payload.decidedBy;
  }
}

@Injectable()
@SubscribesTo(ExternalCertificateRecorded, 'certificates.register-recorded-external-certificate')
export class RegisterRecordedExternalCertificateSubscriber extends RegisterExternalCertificate<ExternalCertificateRecordedPayload> {
  constructor(commands: CommandBus) {
    super(commands);
  }

  protected actorOf(payload: ExternalCertificateRecordedPayload): string {
    return payload.uploadedBy;
  }
}
