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
 *
 * The rows go as one typed array per column, unnested by PostgreSQL: cheaper on both sides than one JSON
 * document (no jsonb parse and per-field conversion in PostgreSQL, no JSON.stringify of a thousand objects
 * in the worker); the driver quotes every element, so any text is safe.
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
      const attachments = pending.attachments;
      await executeBound(
        em,
        `insert into obtained_certificate_attachments (id, certificate_id, original_file_name, media_type, size, storage_key, created_at)
         select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])`,
        [
          attachments.map((a) => a.id),
          attachments.map((a) => a.certificateId),
          attachments.map((a) => a.originalFileName),
          attachments.map((a) => a.mediaType),
          attachments.map((a) => a.size),
          attachments.map((a) => a.storageKey),
          attachments.map((a) => a.createdAt),
        ],
      );
    }
    const certificates = pending.certificates;
    await executeBound(
      em,
      `insert into obtained_certificates (id, user_id, definition_id, obtained_on, expires_on, number, auto_numbered, source, registered_by, created_at)
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::date[], $6::text[], $7::boolean[], $8::text[], $9::uuid[], $10::timestamptz[])`,
      [
        certificates.map((c) => c.id),
        certificates.map((c) => c.userId),
        certificates.map((c) => c.definitionId),
        certificates.map((c) => c.dateObtained),
        certificates.map((c) => c.dateExpires),
        certificates.map((c) => c.number),
        certificates.map((c) => c.autoNumbered),
        certificates.map((c) => c.source),
        certificates.map((c) => c.registeredBy),
        certificates.map((c) => c.createdAt),
      ],
    );
  }
}
