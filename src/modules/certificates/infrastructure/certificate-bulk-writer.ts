import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { executeBound } from '#libs/database/bound-query.js';
import type { CertificateAttachment, ObtainedCertificateValues } from '../domain/obtained-certificate.js';

interface Pending {
  certificates: ObtainedCertificateValues[];
  attachments: CertificateAttachment[];
}

/**
 * Writes certificates registered with `deferWrite` in one INSERT ... SELECT per table when their unit of
 * work is flushed, inside that flush's transaction. A thousand import rows then cost two statements and
 * none of the ORM's per-entity change tracking, which is what bulk imports spend their time on otherwise.
 * Each certificate still went through the aggregate's rules; only the write is batched.
 */
@Injectable()
export class CertificateBulkWriter implements OnModuleInit {
  private readonly pending = new WeakMap<object, Pending>();

  constructor(private readonly orm: MikroORM) {}

  onModuleInit() {
    this.orm.em.getEventManager().registerSubscriber({
      beforeFlush: async ({ em }) => this.writePending(em as EntityManager),
    });
  }

  /** Holds a certificate (and its attachment) until `em`, the unit of work it belongs to, is flushed. */
  defer(em: EntityManager, certificate: ObtainedCertificateValues, attachment?: CertificateAttachment): void {
    let pending = this.pending.get(em);
    if (!pending) {
      pending = { certificates: [], attachments: [] };
      this.pending.set(em, pending);
    }
    pending.certificates.push(certificate);
    if (attachment) pending.attachments.push(attachment);
  }

  private async writePending(em: EntityManager): Promise<void> {
    const pending = this.pending.get(em);
    if (!pending || pending.certificates.length === 0) return;
    this.pending.delete(em);
    // Attachments first (their foreign key is deferred): the trigger that counts an attachment as a change
    // of its certificate then finds no certificate yet, so a certificate imported with its file starts at
    // version 1, the version its import recorded for undo (Migration20261130001400).
    if (pending.attachments.length > 0) {
      await executeBound(
        em,
        `insert into obtained_certificate_attachments (id, certificate_id, original_file_name, media_type, size, storage_key, created_at)
         select a.id, a.certificate_id, a.original_file_name, a.media_type, a.size, a.storage_key, a.created_at
           from jsonb_to_recordset($1::jsonb) as a(id uuid, certificate_id uuid, original_file_name text, media_type text, size bigint,
                                                  storage_key text, created_at timestamptz)`,
        [
          JSON.stringify(
            pending.attachments.map((a) => ({
              id: a.id,
              certificate_id: a.certificateId,
              original_file_name: a.originalFileName,
              media_type: a.mediaType,
              size: a.size,
              storage_key: a.storageKey,
              created_at: a.createdAt,
            })),
          ),
        ],
      );
    }
    await executeBound(
      em,
      `insert into obtained_certificates (id, user_id, definition_id, obtained_on, expires_on, number, auto_numbered, source, registered_by, created_at)
       select c.id, c.user_id, c.definition_id, c.obtained_on, c.expires_on, c.number, c.auto_numbered, c.source, c.registered_by, c.created_at
         from jsonb_to_recordset($1::jsonb) as c(id uuid, user_id uuid, definition_id uuid, obtained_on date, expires_on date, number text,
                                                auto_numbered boolean, source text, registered_by uuid, created_at timestamptz)`,
      [
        JSON.stringify(
          pending.certificates.map((c) => ({
            id: c.id,
            user_id: c.userId,
            definition_id: c.definitionId,
            obtained_on: c.dateObtained,
            expires_on: c.dateExpires,
            number: c.number,
            auto_numbered: c.autoNumbered,
            source: c.source,
            registered_by: c.registeredBy,
            created_at: c.createdAt,
          })),
        ),
      ],
    );
  }
}
