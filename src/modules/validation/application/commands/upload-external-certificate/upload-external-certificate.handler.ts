import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Command, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { FindReviewersQuery, type Principal, type UserSummary } from '#libs/contracts/users/index.js';
import { conflict, forbidden, invalid, notFound } from '#libs/errors/domain-error.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import { readFileHead } from '#libs/storage/file-head.js';
import { detectFileType } from '#libs/storage/file-type.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { ExternalCertificate, notAPdf, type ReviewAssignment, type UploadInput } from '../../../domain/external-certificate.js';
import { chooseReviewers } from '../../../domain/reviewer-choice.js';
import { ExternalCertificateRepository } from '../../../infrastructure/external-certificate.repository.js';
import { CertificateAccess } from '../../certificate-access.js';
import { CertificateChanges } from '../../certificate-changes.js';
import { displayName, People } from '../../people.js';
import { ExternalCertificateSettings } from '../../validation-settings.js';

export interface UploadFields {
  /** The learner; absent: the caller. */
  userId?: string;
  name: string;
  deliveredOn: string;
  expiresOn?: string;
  definitionId?: string;
  credits?: string;
}

export interface UploadedPdf {
  path: string;
  originalName: string;
}

export class UploadExternalCertificateCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly fields: UploadFields,
    readonly file: UploadedPdf | undefined,
  ) {
    super();
  }
}

/** A file name to show and to offer on download: no path, no control characters, at most 200 characters. */
export function cleanFileName(name: string): string {
  const base = basename(name.replace(/\\/g, '/'))
    .normalize('NFC')
    .replace(/\p{Cc}/gu, '')
    .trim();
  return [...(base || 'certificate.pdf')].slice(0, 200).join('');
}

/**
 * An upload by a learner, or for them by someone with external-certificates.manage whose scope covers
 * them (deleted users included: they stay in their groups). Every check runs before the file is stored;
 * then the PDF goes to the storage port and the certificate, its history and its event are written in
 * one transaction.
 */
@CommandHandler(UploadExternalCertificateCommand)
export class UploadExternalCertificateHandler implements ICommandHandler<UploadExternalCertificateCommand> {
  constructor(
    private readonly orm: MikroORM,
    private readonly queries: QueryBus,
    private readonly settings: PlatformSettings,
    private readonly storage: StoragePort,
    private readonly access: CertificateAccess,
    private readonly people: People,
    private readonly repository: ExternalCertificateRepository,
    private readonly changes: CertificateChanges,
  ) {}

  async execute({ principal, fields, file }: UploadExternalCertificateCommand) {
    const settings = ExternalCertificateSettings;
    if (!(await this.settings.get(settings.enabled))) throw forbidden('VALIDATION.FEATURE_OFF');
    const validationRequired = await this.settings.get(settings.validationRequired);
    const creditsEnabled = await this.settings.get(settings.credits);

    const learner = await this.learner(principal, fields.userId);
    if (validationRequired && fields.definitionId && !this.access.mayManage(principal)) throw forbidden('VALIDATION.ASSOCIATION_NOT_ALLOWED');
    await this.access.assertDefinitionExists(fields.definitionId || null);
    if (!file) throw invalid('VALIDATION.FILE_REQUIRED');
    const type = detectFileType(await readFileHead(file.path, 1024));
    if (type?.mediaType !== 'application/pdf') throw notAPdf();

    let review: ReviewAssignment | null = null;
    if (validationRequired) {
      const candidates = await this.queries.execute(new FindReviewersQuery(learner.id, await this.settings.get(settings.reviewerType)));
      review = chooseReviewers(candidates) ?? null;
      if (!review) throw conflict('VALIDATION.NO_REVIEWER');
    }
    const now = new Date();
    const input: UploadInput = {
      id: randomUUID(),
      userId: learner.id,
      uploadedBy: principal.userId,
      name: fields.name,
      deliveredOn: fields.deliveredOn,
      expiresOn: fields.expiresOn,
      definitionId: fields.definitionId || null,
      credits: fields.credits,
      creditsEnabled,
      file: { storageKey: 'not-stored-yet', fileName: cleanFileName(file.originalName), size: 1 },
      review,
      now,
    };
    // Every rule is checked before a byte is stored.
    ExternalCertificate.upload(input);
    const stored = await this.storage.putFile(file.path);
    const certificate = ExternalCertificate.upload({ ...input, file: { ...input.file, storageKey: stored.key, size: stored.size } });
    await this.orm.em.fork().transactional(async (em) => {
      await this.repository.insert(em, certificate);
      await this.changes.record(em, certificate, { name: displayName(learner) ?? '', language: learner.language }, now);
    });
    return { id: certificate.id };
  }

  private async learner(principal: Principal, userId: string | undefined): Promise<UserSummary> {
    if (!userId || userId === principal.userId) {
      const me = await this.people.one(principal.userId);
      if (!me) throw notFound('VALIDATION.USER_NOT_FOUND');
      return me;
    }
    const user = await this.access.managedLearner(principal, userId);
    if (!user) throw notFound('VALIDATION.USER_NOT_FOUND');
    return user;
  }
}
