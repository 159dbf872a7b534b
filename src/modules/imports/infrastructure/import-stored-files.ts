import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { StoredFileReferenceSource, type StoredFileReferences } from '#libs/storage/stored-file-references.js';
import { ATTACHMENTS_KEPT, UPLOAD_KEPT } from '../application/kept-import-files.js';

/**
 * The stored files the import engine still needs (the retention rule in kept-import-files.ts, also in
 * the README): uploads of running imports and of validations that can still be run for real, and the
 * attachments of running imports. The error file is built from the import log, not the upload.
 */
@Injectable()
@StoredFileReferenceSource()
export class ImportStoredFiles implements StoredFileReferences {
  readonly name = 'imports';

  constructor(private readonly config: AppConfig) {}

  async referenced(em: EntityManager, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await em.execute<{ key: string }[]>(
      `select i.file_key as key from imports i
        where i.file_key = any(?::text[]) and ${UPLOAD_KEPT}
       union
       select f.storage_key from import_files f join imports i on i.id = f.import_id
        where f.storage_key = any(?::text[]) and ${ATTACHMENTS_KEPT}`,
      [`{${keys.join(',')}}`, this.config.imports.uploadRetentionDays, `{${keys.join(',')}}`],
    );
    return rows.map((row) => row.key);
  }
}
