import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../../libs/config/app-config.js';
import { StoredFileReferenceSource, type StoredFileReferences } from '../../../../libs/storage/stored-file-references.js';
import { RUNNING_STATUSES } from '../domain/import-lifecycle.js';

const RUNNING = RUNNING_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The stored files the import engine still needs (the retention rule, also in the README):
 * - an import's upload while the import runs, and for IMPORT_UPLOAD_RETENTION_DAYS after it completed
 *   (a validation can be run for real in that time; the error file is built from the import log, not
 *   the upload). A failed or cancelled import's upload is not kept.
 * - the attachments unpacked from a ZIP while its import runs. Afterwards the certificates that attach
 *   them reference them in their own module; the rest (validate-only runs, rows that failed) goes.
 */
@Injectable()
@StoredFileReferenceSource()
export class ImportStoredFiles implements StoredFileReferences {
  readonly name = 'imports';

  constructor(private readonly config: AppConfig) {}

  async referenced(em: EntityManager, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await em.execute<{ key: string }[]>(
      `select file_key as key from imports
        where file_key = any(?::text[])
          and (status in (${RUNNING})
               or (status in ('completed', 'completed_with_errors') and finished_at > now() - make_interval(days => ?)))
       union
       select f.storage_key from import_files f join imports i on i.id = f.import_id
        where f.storage_key = any(?::text[]) and i.status in (${RUNNING})`,
      [`{${keys.join(',')}}`, this.config.imports.uploadRetentionDays, `{${keys.join(',')}}`],
    );
    return rows.map((row) => row.key);
  }
}
