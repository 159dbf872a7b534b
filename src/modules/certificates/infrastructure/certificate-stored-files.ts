import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { StoredFileReferenceSource, type StoredFileReferences } from '#libs/storage/stored-file-references.js';

/** Attachments of obtained certificates stay as long as the certificate does (and its attachment row). */
@Injectable()
@StoredFileReferenceSource()
export class CertificateStoredFiles implements StoredFileReferences {
  readonly name = 'certificates';

  async referenced(em: EntityManager, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await em.execute<{ key: string }[]>(
      `select distinct storage_key as key from obtained_certificate_attachments where storage_key = any(?::text[])`,
      [`{${keys.join(',')}}`],
    );
    return rows.map((row) => row.key);
  }
}
