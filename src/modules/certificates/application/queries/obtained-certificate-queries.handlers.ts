import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Readable } from 'node:stream';
import type { CertificateSource } from '#libs/contracts/certificates/index.js';
import { ResolveUserScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';
import { StoragePort } from '#libs/storage/storage.port.js';

export interface AttachmentView {
  id: string;
  fileName: string;
  mediaType: string;
  size: number;
}

export interface ObtainedCertificateView {
  id: string;
  userId: string;
  definitionId: string;
  definitionCode: string;
  definitionName: string;
  dateObtained: string;
  dateExpires: string | null;
  number: string | null;
  autoNumbered: boolean;
  source: CertificateSource;
  registeredBy: string | null;
  /** The external certificate (Validation module) it was registered from, if any. */
  externalCertificateId: string | null;
  createdAt: string;
  attachments: AttachmentView[];
}

export interface ObtainedCertificateFilter {
  userId?: string;
  definitionId?: string;
  /** Only certificates with an expiry date before this date (YYYY-MM-DD). */
  expiringBefore?: string;
  page: number;
  pageSize: number;
}

export class ListObtainedCertificatesQuery extends Query<{ items: ObtainedCertificateView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: ObtainedCertificateFilter,
  ) {
    super();
  }
}

export class GetObtainedCertificateQuery extends Query<ObtainedCertificateView> {
  constructor(
    readonly principal: Principal,
    readonly certificateId: string,
  ) {
    super();
  }
}

export interface AttachmentContent {
  fileName: string;
  mediaType: string;
  size: number;
  open(): Promise<Readable>;
}

export class GetAttachmentContentQuery extends Query<AttachmentContent> {
  constructor(
    readonly principal: Principal,
    readonly certificateId: string,
    readonly attachmentId: string,
  ) {
    super();
  }
}

interface CertificateRow {
  id: string;
  user_id: string;
  definition_id: string;
  definition_code: string;
  definition_name: string;
  date_obtained: string;
  date_expires: string | null;
  number: string | null;
  auto_numbered: boolean;
  source: CertificateSource;
  registered_by: string | null;
  external_certificate_id: string | null;
  created_at: Date;
  attachments: AttachmentView[];
  total?: string;
}

const COLUMNS = `o.id, o.user_id, o.definition_id, d.code as definition_code, d.name as definition_name,
  to_char(o.obtained_on, 'YYYY-MM-DD') as date_obtained, to_char(o.expires_on, 'YYYY-MM-DD') as date_expires,
  o.number, o.auto_numbered, o.source, o.registered_by, o.external_certificate_id, o.created_at,
  coalesce((select json_agg(json_build_object('id', a.id, 'fileName', a.original_file_name, 'mediaType', a.media_type, 'size', a.size)
                            order by a.created_at, a.id)
              from obtained_certificate_attachments a where a.certificate_id = o.id), '[]'::json) as attachments`;
const FROM = `from obtained_certificates o join certificate_definitions d on d.id = o.definition_id`;

/** The SQL condition that keeps rows to users in the principal's scope (resolved by the Users module). */
async function scopeCondition(queries: QueryBus, principal: Principal): Promise<{ sql: string; params: unknown[] }> {
  const scope = await queries.execute(new ResolveUserScopeQuery(principal));
  if (scope.kind === 'all') return { sql: 'true', params: [] };
  return { sql: 'o.user_id = any(?::uuid[])', params: [pgArray(scope.userIds)] };
}

function toView(row: CertificateRow): ObtainedCertificateView {
  return {
    id: row.id,
    userId: row.user_id,
    definitionId: row.definition_id,
    definitionCode: row.definition_code,
    definitionName: row.definition_name,
    dateObtained: row.date_obtained,
    dateExpires: row.date_expires,
    number: row.number,
    autoNumbered: row.auto_numbered,
    source: row.source,
    registeredBy: row.registered_by,
    externalCertificateId: row.external_certificate_id,
    createdAt: new Date(row.created_at).toISOString(),
    attachments: row.attachments.map((a) => ({ ...a, size: Number(a.size) })),
  };
}

/** Obtained certificates of the users in the caller's scope, newest first; scope is part of the SQL. */
@QueryHandler(ListObtainedCertificatesQuery)
export class ListObtainedCertificatesHandler implements IQueryHandler<ListObtainedCertificatesQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: ListObtainedCertificatesQuery) {
    const scope = await scopeCondition(this.queries, principal);
    const where = [scope.sql];
    const params = [...scope.params];
    if (filter.userId) {
      where.push('o.user_id = ?');
      params.push(filter.userId);
    }
    if (filter.definitionId) {
      where.push('o.definition_id = ?');
      params.push(filter.definitionId);
    }
    if (filter.expiringBefore) {
      where.push('o.expires_on < ?::date');
      params.push(filter.expiringBefore);
    }
    const rows = await this.em.execute<CertificateRow[]>(
      `select ${COLUMNS}, count(*) over () as total ${FROM} where ${where.join(' and ')}
        order by o.obtained_on desc, o.created_at desc, o.id limit ? offset ?`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    let total = rows.length > 0 ? Number(rows[0].total) : 0;
    if (rows.length === 0 && filter.page > 1) {
      const [count] = await this.em.execute<{ total: string }[]>(`select count(*) as total ${FROM} where ${where.join(' and ')}`, params);
      total = Number(count.total);
    }
    return { items: rows.map(toView), total };
  }
}

@QueryHandler(GetObtainedCertificateQuery)
export class GetObtainedCertificateHandler implements IQueryHandler<GetObtainedCertificateQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, certificateId }: GetObtainedCertificateQuery): Promise<ObtainedCertificateView> {
    const scope = await scopeCondition(this.queries, principal);
    const rows = await this.em.execute<CertificateRow[]>(`select ${COLUMNS} ${FROM} where o.id = ? and ${scope.sql}`, [certificateId, ...scope.params]);
    if (rows.length === 0) throw notFound('CERTIFICATES.CERTIFICATE_NOT_FOUND');
    return toView(rows[0]);
  }
}

/** An attachment's bytes, for whoever may see the certificate's holder. */
@QueryHandler(GetAttachmentContentQuery)
export class GetAttachmentContentHandler implements IQueryHandler<GetAttachmentContentQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly storage: StoragePort,
  ) {}

  async execute({ principal, certificateId, attachmentId }: GetAttachmentContentQuery): Promise<AttachmentContent> {
    const scope = await scopeCondition(this.queries, principal);
    const rows = await this.em.execute<{ original_file_name: string; media_type: string; size: string; storage_key: string }[]>(
      `select a.original_file_name, a.media_type, a.size, a.storage_key
         from obtained_certificate_attachments a join obtained_certificates o on o.id = a.certificate_id
        where a.id = ? and a.certificate_id = ? and ${scope.sql}`,
      [attachmentId, certificateId, ...scope.params],
    );
    if (rows.length === 0) throw notFound('CERTIFICATES.ATTACHMENT_NOT_FOUND');
    const [row] = rows;
    return {
      fileName: row.original_file_name,
      mediaType: row.media_type,
      size: Number(row.size),
      open: () => this.storage.open(row.storage_key),
    };
  }
}
