import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { conflict } from '#libs/errors/domain-error.js';
import { ExternalCertificate, type ExternalCertificateProps, type ExternalCertificateState, type ReviewerTier } from '../domain/external-certificate.js';

export interface ExternalCertificateRow {
  id: string;
  user_id: string;
  uploaded_by: string;
  name: string;
  delivered_on: string;
  expires_on: string | null;
  definition_id: string | null;
  credits: string | null;
  state: ExternalCertificateState;
  file_key: string;
  file_name: string;
  file_size: string;
  reviewer_id: string | null;
  reviewer_tier: ReviewerTier | null;
  fallback_reviewer_id: string | null;
  submitted_at: Date;
  assigned_at: Date | null;
  decided_at: Date | null;
  decided_by: string | null;
  comment: string | null;
  reminded_at: Date | null;
  escalated_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The columns of a row, with dates as YYYY-MM-DD text (no time zone shift). */
export const CERTIFICATE_COLUMNS = `c.id, c.user_id, c.uploaded_by, c.name, to_char(c.delivered_on, 'YYYY-MM-DD') as delivered_on,
  to_char(c.expires_on, 'YYYY-MM-DD') as expires_on, c.definition_id, c.credits::text as credits, c.state, c.file_key, c.file_name,
  c.file_size::text as file_size, c.reviewer_id, c.reviewer_tier, c.fallback_reviewer_id, c.submitted_at, c.assigned_at, c.decided_at, c.decided_by,
  c.comment, c.reminded_at, c.escalated_at, c.version, c.created_at, c.updated_at`;

export function propsOf(row: ExternalCertificateRow): ExternalCertificateProps {
  return {
    id: row.id,
    userId: row.user_id,
    uploadedBy: row.uploaded_by,
    name: row.name,
    deliveredOn: row.delivered_on,
    expiresOn: row.expires_on,
    definitionId: row.definition_id,
    credits: row.credits === null ? null : Number(row.credits),
    state: row.state,
    file: { storageKey: row.file_key, fileName: row.file_name, size: Number(row.file_size) },
    reviewerId: row.reviewer_id,
    reviewerTier: row.reviewer_tier,
    fallbackReviewerId: row.fallback_reviewer_id,
    submittedAt: new Date(row.submitted_at),
    assignedAt: row.assigned_at ? new Date(row.assigned_at) : null,
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
    decidedBy: row.decided_by,
    comment: row.comment,
    remindedAt: row.reminded_at ? new Date(row.reminded_at) : null,
    escalatedAt: row.escalated_at ? new Date(row.escalated_at) : null,
    version: row.version,
  };
}

/** external_certificates through SQL in the caller's transaction (`em`). */
@Injectable()
export class ExternalCertificateRepository {
  /** The row, locked against concurrent changes until the transaction ends when `lock`. */
  async load(em: EntityManager, id: string, options: { lock?: boolean } = {}): Promise<ExternalCertificate | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await em.execute<ExternalCertificateRow[]>(
      `select ${CERTIFICATE_COLUMNS} from external_certificates c where c.id = ? ${options.lock ? 'for update' : ''}`,
      [id],
    );
    return row ? ExternalCertificate.restore(propsOf(row)) : undefined;
  }

  async insert(em: EntityManager, certificate: ExternalCertificate): Promise<void> {
    const p = certificate.snapshot();
    await em.execute(
      `insert into external_certificates (id, user_id, uploaded_by, name, delivered_on, expires_on, definition_id, credits, state, file_key, file_name,
         file_size, reviewer_id, reviewer_tier, fallback_reviewer_id, submitted_at, assigned_at, decided_at, decided_by, comment, version, created_at, updated_at)
       values (?, ?, ?, ?, ?::date, ?::date, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())`,
      [
        p.id, p.userId, p.uploadedBy, p.name, p.deliveredOn, p.expiresOn, p.definitionId, p.credits, p.state, p.file.storageKey, p.file.fileName,
        p.file.size, p.reviewerId, p.reviewerTier, p.fallbackReviewerId, p.submittedAt, p.assignedAt, p.decidedAt, p.decidedBy, p.comment, p.version,
      ],
    );
  }

  /** Writes the aggregate back; `previousVersion` is the version it was loaded with (optimistic check). */
  async update(em: EntityManager, certificate: ExternalCertificate, previousVersion: number): Promise<void> {
    const p = certificate.snapshot();
    const updated = await em.execute<{ id: string }[]>(
      `update external_certificates set name = ?, delivered_on = ?::date, expires_on = ?::date, definition_id = ?, credits = ?, state = ?,
         reviewer_id = ?, reviewer_tier = ?, fallback_reviewer_id = ?, assigned_at = ?, reminded_at = ?, escalated_at = ?, decided_at = ?, decided_by = ?,
         comment = ?, version = ?, updated_at = now()
       where id = ? and version = ? returning id`,
      [
        p.name, p.deliveredOn, p.expiresOn, p.definitionId, p.credits, p.state, p.reviewerId, p.reviewerTier, p.fallbackReviewerId, p.assignedAt,
        p.remindedAt, p.escalatedAt, p.decidedAt, p.decidedBy, p.comment, p.version, p.id, previousVersion,
      ],
    );
    if (updated.length === 0) throw conflict('VALIDATION.VERSION_CONFLICT', { expected: previousVersion, actual: 'changed' });
  }

  async appendHistory(
    em: EntityManager,
    entry: { externalCertificateId: string; at: Date; actorId: string | null; action: string; comment: string | null; details: object },
  ): Promise<void> {
    await em.execute(
      `insert into external_certificate_history (external_certificate_id, at, actor_id, action, comment, details) values (?, ?, ?, ?, ?, ?::jsonb)`,
      [entry.externalCertificateId, entry.at, entry.actorId, entry.action, entry.comment, JSON.stringify(entry.details)],
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
