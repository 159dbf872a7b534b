import { createReadStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import type { CertificateAttachmentSource } from '#libs/contracts/certificates/index.js';
import { DomainError, notFound } from '#libs/errors/domain-error.js';
import { readFileHead } from '#libs/storage/file-head.js';
import { detectFileType } from '#libs/storage/file-type.js';
import { StoragePort, StoredObjectTooLargeError } from '#libs/storage/storage.port.js';
import { attachmentTypeNotAllowed, ObtainedCertificate, type StoredFile } from '../domain/obtained-certificate.js';

const HEAD_BYTES = 1024;

export interface InspectedAttachment {
  source: CertificateAttachmentSource;
  mediaType: string;
}

/**
 * Takes in a certificate's attachment in two steps: `inspect` decides the type from the first bytes
 * (and refuses anything but PDF, PNG and JPEG before anything is written), `store` streams the bytes
 * into the StoragePort once the registration itself has passed its checks.
 */
@Injectable()
export class AttachmentIntake {
  constructor(
    private readonly storage: StoragePort,
    private readonly config: AppConfig,
  ) {}

  async inspect(source: CertificateAttachmentSource): Promise<InspectedAttachment> {
    if (source.kind === 'stored' && source.known) {
      if (!source.known.mediaType) throw attachmentTypeNotAllowed(ObtainedCertificate.normaliseFileName(source.fileName));
      return { source, mediaType: source.known.mediaType };
    }
    const head = source.kind === 'local-file' ? await readFileHead(source.path, HEAD_BYTES) : await this.readStoredHead(source.storageKey);
    const type = detectFileType(head);
    if (!type) throw attachmentTypeNotAllowed(ObtainedCertificate.normaliseFileName(source.fileName));
    return { source, mediaType: type.mediaType };
  }

  async store({ source, mediaType }: InspectedAttachment): Promise<StoredFile> {
    if (source.kind === 'stored') {
      const size = source.known?.size ?? (await this.storage.size(source.storageKey));
      return { fileName: source.fileName, mediaType, storageKey: source.storageKey, size };
    }
    try {
      const stored = await this.storage.put(createReadStream(source.path), { maxBytes: this.config.maxAttachmentBytes });
      return { fileName: source.fileName, mediaType, storageKey: stored.key, size: stored.size };
    } catch (error) {
      if (error instanceof StoredObjectTooLargeError) throw attachmentTooLarge(this.config.maxAttachmentBytes);
      throw error;
    }
  }

  private async readStoredHead(key: string): Promise<Buffer> {
    try {
      return await this.storage.readHead(key, HEAD_BYTES);
    } catch {
      throw notFound('CERTIFICATES.ATTACHMENT_NOT_FOUND');
    }
  }
}


export function attachmentTooLarge(maxBytes: number): DomainError {
  return new DomainError('CERTIFICATES.ATTACHMENT_TOO_LARGE', 'payload_too_large', { limit: formatBytes(maxBytes), maxBytes });
}

/** 26214400 -> "25 MB", 65536 -> "64 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
