import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { pgArray } from '#libs/database/sql.js';
import { StoredFileReferenceSource, type StoredFileReferences } from '#libs/storage/stored-file-references.js';

/** The PDFs of external certificates stay as long as their certificate does. */
@Injectable()
@StoredFileReferenceSource()
export class ExternalCertificateStoredFiles implements StoredFileReferences {
  readonly name = 'validation';

  async referenced(em: EntityManager, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await em.execute<{ key: string }[]>(`select distinct file_key as key from external_certificates where file_key = any(?::text[])`, [pgArray(keys)]);
    return rows.map((row) => row.key);
  }
}
