import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, QueryBus, type IQueryHandler } from '@nestjs/cqrs';
import type { Readable } from 'node:stream';
import { ResolveUserScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import type { ExternalCertificateState } from '../../domain/external-certificate.js';
import { CERTIFICATE_COLUMNS, ExternalCertificateRepository, propsOf, type ExternalCertificateRow } from '../../infrastructure/external-certificate.repository.js';
import { CertificateAccess } from '../certificate-access.js';
import { peopleOnCertificate, toView, type ExternalCertificateView, type HistoryEntryView } from '../certificate-views.js';
import { displayName, People } from '../people.js';

export interface PageRequest {
  page: number;
  pageSize: number;
}

export class GetExternalCertificateQuery extends Query<ExternalCertificateView> {
  constructor(
    readonly principal: Principal,
    readonly id: string,
  ) {
    super();
  }
}

export class ListExternalCertificatesQuery extends Query<{ items: ExternalCertificateView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: PageRequest & { userId?: string; state?: ExternalCertificateState },
  ) {
    super();
  }
}

export class GetExternalCertificateHistoryQuery extends Query<HistoryEntryView[]> {
  constructor(
    readonly principal: Principal,
    readonly id: string,
  ) {
    super();
  }
}

export interface CertificateFile {
  fileName: string;
  size: number;
  open(): Promise<Readable>;
}

export class GetExternalCertificateFileQuery extends Query<CertificateFile> {
  constructor(
    readonly principal: Principal,
    readonly id: string,
  ) {
    super();
  }
}

/** The caller's review tasks: assigned to them, or escalated to them as fallback reviewer. */
export class ListReviewTasksQuery extends Query<{ items: ExternalCertificateView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: PageRequest & { state: ExternalCertificateState },
  ) {
    super();
  }
}

export class CountReviewTasksQuery extends Query<{ pending: number }> {
  constructor(readonly principal: Principal) {
    super();
  }
}

/** Tasks of a reviewer in a state: pending ones assigned or escalated to them; decided ones they decided or were assigned. */
function tasksCondition(userId: string, state: ExternalCertificateState): { sql: string; params: unknown[] } {
  if (state === 'pending_review') {
    return { sql: `c.state = 'pending_review' and (c.reviewer_id = ? or (c.fallback_reviewer_id = ? and c.escalated_at is not null))`, params: [userId, userId] };
  }
  return { sql: `c.state = ? and (c.reviewer_id = ? or c.decided_by = ?)`, params: [state, userId, userId] };
}

async function viewsOf(people: People, rows: ExternalCertificateRow[]): Promise<ExternalCertificateView[]> {
  const props = rows.map(propsOf);
  const known = await people.byIds(props.flatMap(peopleOnCertificate));
  return props.map((p) => toView(p, known));
}

@QueryHandler(GetExternalCertificateQuery)
export class GetExternalCertificateHandler implements IQueryHandler<GetExternalCertificateQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly repository: ExternalCertificateRepository,
    private readonly access: CertificateAccess,
    private readonly people: People,
  ) {}

  async execute({ principal, id }: GetExternalCertificateQuery): Promise<ExternalCertificateView> {
    const certificate = await this.repository.load(this.em, id);
    if (!certificate) throw notFound('VALIDATION.NOT_FOUND');
    const p = certificate.snapshot();
    await this.access.assertCanSee(principal, p);
    return toView(p, await this.people.byIds(peopleOnCertificate(p)));
  }
}

@QueryHandler(ListExternalCertificatesQuery)
export class ListExternalCertificatesHandler implements IQueryHandler<ListExternalCertificatesQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: CertificateAccess,
    private readonly people: People,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: ListExternalCertificatesQuery) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.userId && filter.userId !== principal.userId) {
      if (!(await this.access.managedLearner(principal, filter.userId))) throw notFound('VALIDATION.USER_NOT_FOUND');
      where.push('c.user_id = ?');
      params.push(filter.userId);
    } else if (filter.userId || !this.access.mayManage(principal)) {
      where.push('c.user_id = ?');
      params.push(principal.userId);
    } else {
      const scope = await this.queries.execute(new ResolveUserScopeQuery(principal));
      if (scope.kind === 'limited') {
        where.push('c.user_id = any(?::uuid[])');
        params.push(pgArray(scope.userIds));
      }
    }
    if (filter.state) {
      where.push('c.state = ?');
      params.push(filter.state);
    }
    const condition = where.length > 0 ? where.join(' and ') : 'true';
    const [{ total }] = await this.em.execute<{ total: string }[]>(`select count(*) as total from external_certificates c where ${condition}`, params);
    const rows = await this.em.execute<ExternalCertificateRow[]>(
      `select ${CERTIFICATE_COLUMNS} from external_certificates c where ${condition} order by c.submitted_at desc, c.id limit ? offset ?`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return { items: await viewsOf(this.people, rows), total: Number(total) };
  }
}

@QueryHandler(GetExternalCertificateHistoryQuery)
export class GetExternalCertificateHistoryHandler implements IQueryHandler<GetExternalCertificateHistoryQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly repository: ExternalCertificateRepository,
    private readonly access: CertificateAccess,
    private readonly people: People,
  ) {}

  async execute({ principal, id }: GetExternalCertificateHistoryQuery): Promise<HistoryEntryView[]> {
    const certificate = await this.repository.load(this.em, id);
    if (!certificate) throw notFound('VALIDATION.NOT_FOUND');
    await this.access.assertCanSee(principal, certificate.snapshot());
    const rows = await this.em.execute<{ at: Date; actor_id: string | null; action: string; comment: string | null; details: Record<string, unknown> }[]>(
      `select at, actor_id, action, comment, details from external_certificate_history where external_certificate_id = ? order by id`,
      [id],
    );
    const known = await this.people.byIds(rows.map((row) => row.actor_id));
    return rows.map((row) => ({
      at: new Date(row.at).toISOString(),
      actor: row.actor_id ? { id: row.actor_id, name: displayName(known.get(row.actor_id)) } : null,
      action: row.action,
      comment: row.comment,
      details: row.details,
    }));
  }
}

@QueryHandler(GetExternalCertificateFileQuery)
export class GetExternalCertificateFileHandler implements IQueryHandler<GetExternalCertificateFileQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly repository: ExternalCertificateRepository,
    private readonly access: CertificateAccess,
    private readonly storage: StoragePort,
  ) {}

  async execute({ principal, id }: GetExternalCertificateFileQuery): Promise<CertificateFile> {
    const certificate = await this.repository.load(this.em, id);
    if (!certificate) throw notFound('VALIDATION.NOT_FOUND');
    const p = certificate.snapshot();
    await this.access.assertCanSee(principal, p);
    return { fileName: p.file.fileName, size: p.file.size, open: () => this.storage.open(p.file.storageKey) };
  }
}

@QueryHandler(ListReviewTasksQuery)
export class ListReviewTasksHandler implements IQueryHandler<ListReviewTasksQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly people: People,
  ) {}

  async execute({ principal, filter }: ListReviewTasksQuery) {
    const condition = tasksCondition(principal.userId, filter.state);
    const [{ total }] = await this.em.execute<{ total: string }[]>(`select count(*) as total from external_certificates c where ${condition.sql}`, condition.params);
    const rows = await this.em.execute<ExternalCertificateRow[]>(
      `select ${CERTIFICATE_COLUMNS} from external_certificates c where ${condition.sql} order by c.submitted_at, c.id limit ? offset ?`,
      [...condition.params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return { items: await viewsOf(this.people, rows), total: Number(total) };
  }
}

@QueryHandler(CountReviewTasksQuery)
export class CountReviewTasksHandler implements IQueryHandler<CountReviewTasksQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ principal }: CountReviewTasksQuery) {
    const condition = tasksCondition(principal.userId, 'pending_review');
    const [{ total }] = await this.em.execute<{ total: string }[]>(`select count(*) as total from external_certificates c where ${condition.sql}`, condition.params);
    return { pending: Number(total) };
  }
}
