import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#libs/config/app-config.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { ATTACHMENTS_KEPT, UPLOAD_KEPT } from './kept-import-files.js';

/** The advisory lock (per user) that every check-and-claim of pending-import room holds in its transaction. */
export async function lockImportQuota(em: EntityManager, userId: string): Promise<void> {
  await em.execute(`select pg_advisory_xact_lock(hashtext(?))`, [`import-quota:${userId}`]);
}

/**
 * Bytes in storage that a user's imports keep (the collector's rule, kept-import-files.ts): uploads of
 * running imports and of validations that can still be run for real, attachments unpacked for running
 * imports, and the room a parsing import reserved for attachments it is unpacking. Storage is
 * content-addressed, so a file two of them share counts once.
 * `withoutAttachmentsOf`: an import about to unpack its attachments (again, on a retried parse).
 */
export async function pendingImportBytes(em: EntityManager, userId: string, retentionDays: number, withoutAttachmentsOf?: string): Promise<number> {
  const [row] = await em.execute<{ bytes: string }[]>(
    `select coalesce(sum(size), 0)::text as bytes from (
       select i.file_key as key, i.file_size as size from imports i where i.started_by = ? and ${UPLOAD_KEPT}
       union
       select f.storage_key, f.size from import_files f join imports i on i.id = f.import_id
        where i.started_by = ? and ${ATTACHMENTS_KEPT} and f.storage_key is not null and i.id is distinct from ?::uuid
       union
       select 'reserved:' || i.id, i.reserved_bytes from imports i
        where i.started_by = ? and ${ATTACHMENTS_KEPT} and i.reserved_bytes > 0 and i.id is distinct from ?::uuid
     ) pending`,
    [userId, retentionDays, userId, withoutAttachmentsOf ?? null, userId, withoutAttachmentsOf ?? null],
  );
  return Number(row.bytes);
}

/** Megabytes with one decimal, rounded up (a quota of 300 KB reads 0.3 MB, not 0). */
export const megabytes = (bytes: number) => Math.max(0, Math.ceil((bytes / 1024 ** 2) * 10) / 10);

/**
 * The per-user quota on pending imports (IMPORT_PENDING_QUOTA_BYTES): the upload endpoint asks how much
 * room is left before it reads the file, and refuses, with the same problem, what does not fit.
 */
@Injectable()
export class ImportQuota {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  /** Bytes the user may still upload now (never negative). */
  async remaining(userId: string): Promise<number> {
    return Math.max(0, this.config.imports.pendingQuotaBytes - (await pendingImportBytes(this.em.fork(), userId, this.config.imports.uploadRetentionDays)));
  }

  exceeded(pending: number, adding: number): DomainError {
    return new DomainError('IMPORTS.PENDING_QUOTA_EXCEEDED', 'payload_too_large', {
      pendingMegabytes: megabytes(pending),
      quotaMegabytes: megabytes(this.config.imports.pendingQuotaBytes),
      fileMegabytes: megabytes(adding),
    });
  }

  /**
   * Checks, in the caller's transaction and serialised per user, that `adding` bytes fit: two uploads
   * sent at once cannot both take the last room.
   */
  async assertFits(em: EntityManager, userId: string, adding: number): Promise<void> {
    await lockImportQuota(em, userId);
    const pending = await pendingImportBytes(em, userId, this.config.imports.uploadRetentionDays);
    if (pending + adding > this.config.imports.pendingQuotaBytes) throw this.exceeded(pending, adding);
  }
}
