import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { StoragePort } from '#libs/storage/storage.port.js';
import { ExternalCertificateRepository } from '../infrastructure/external-certificate.repository.js';
import { peopleOnCertificate, toView, type ExternalCertificateView } from './certificate-views.js';
import { People } from './people.js';
import type { CertificateFile } from './queries/external-certificate-queries.handlers.js';

/**
 * A certificate's view and PDF by id, WITHOUT any access check: for callers inside this module that
 * checked access their own way (the mail-link review page checks its signed link). Undefined when unknown.
 */
@Injectable()
export class CertificateReader {
  constructor(
    private readonly em: EntityManager,
    private readonly repository: ExternalCertificateRepository,
    private readonly people: People,
    private readonly storage: StoragePort,
  ) {}

  async view(id: string, em: EntityManager = this.em): Promise<ExternalCertificateView | undefined> {
    const certificate = await this.repository.load(em, id);
    if (!certificate) return undefined;
    const p = certificate.snapshot();
    return toView(p, await this.people.byIds(peopleOnCertificate(p)));
  }

  async file(id: string, em: EntityManager = this.em): Promise<CertificateFile | undefined> {
    const certificate = await this.repository.load(em, id);
    if (!certificate) return undefined;
    const { file } = certificate.snapshot();
    return { fileName: file.fileName, size: file.size, open: () => this.storage.open(file.storageKey) };
  }
}
