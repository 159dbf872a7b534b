import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ResolveUserScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';
import { addDays, DEFAULT_EXPIRING_WITHIN_DAYS, licenceStatus, type LicenceStatus } from '../../domain/licence.js';
import { LICENCE_COLUMNS, type LicenceRow } from '../../infrastructure/licence-store.js';
import { LicenceAccess } from '../licence-access.js';

export interface LicenceView {
  id: string;
  user: { id: string; userCode: string | null; email: string; name: string };
  type: { id: string; code: string; name: string; status: string };
  number: string | null;
  jurisdiction: string | null;
  issuedOn: string;
  expiresOn: string | null;
  /** Derived from the expiry date, today and expiringWithinDays (licenceStatus). */
  status: LicenceStatus;
  version: number;
}

export interface LicenceListFilter {
  userId?: string;
  typeId?: string;
  typeCode?: string;
  status?: LicenceStatus;
  /** Only licences expiring on or before this date (YYYY-MM-DD); licences without expiry are left out. */
  expiringBefore?: string;
  expiringWithinDays?: number;
  page: number;
  pageSize: number;
}

export class ListLicencesQuery extends Query<{ items: LicenceView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: LicenceListFilter,
  ) {
    super();
  }
}

export class GetLicenceQuery extends Query<LicenceView> {
  constructor(
    readonly principal: Principal,
    readonly licenceId: string,
    readonly expiringWithinDays = DEFAULT_EXPIRING_WITHIN_DAYS,
  ) {
    super();
  }
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The licences of the users in the caller's scope (a manager: their managees; a group admin: their
 * groups' members; platform admins: everyone), filtered, expiring first. The status filter runs in SQL
 * with the same rule as licenceStatus.
 */
@QueryHandler(ListLicencesQuery)
export class ListLicencesHandler implements IQueryHandler<ListLicencesQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, filter }: ListLicencesQuery) {
    const days = filter.expiringWithinDays ?? DEFAULT_EXPIRING_WITHIN_DAYS;
    const now = today();
    const horizon = addDays(now, days);
    const where: string[] = [];
    const params: unknown[] = [];
    const scope = await this.queries.execute(new ResolveUserScopeQuery(principal));
    if (scope.kind === 'limited') {
      // Not the caller's own licences (LicenceAccess): a supervisor does not manage those.
      where.push('l.user_id = any(?::uuid[])');
      params.push(pgArray(scope.userIds.filter((id) => LicenceAccess.managesHolder(principal, id))));
    }
    if (filter.userId) {
      where.push('l.user_id = ?');
      params.push(filter.userId);
    }
    if (filter.typeId) {
      where.push('l.type_id = ?');
      params.push(filter.typeId);
    }
    if (filter.typeCode) {
      where.push('t.code = upper(?)');
      params.push(filter.typeCode.trim());
    }
    if (filter.status === 'expired') {
      where.push('l.expires_on < ?::date');
      params.push(now);
    } else if (filter.status === 'expiring') {
      where.push('l.expires_on >= ?::date and l.expires_on <= ?::date');
      params.push(now, horizon);
    } else if (filter.status === 'active') {
      where.push('(l.expires_on is null or l.expires_on > ?::date)');
      params.push(horizon);
    }
    if (filter.expiringBefore) {
      where.push('l.expires_on <= ?::date');
      params.push(filter.expiringBefore);
    }
    const condition = where.length > 0 ? where.join(' and ') : 'true';
    const rows = await this.em.execute<LicenceRow[]>(
      `select ${LICENCE_COLUMNS}
         from user_licences l join licence_types t on t.id = l.type_id
        where ${condition}
        order by l.expires_on nulls last, t.code, l.id limit ? offset ?`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    // Counted apart: count(*) over () of a page past the last has no row to carry it, and read as 0.
    const [{ total }] = await this.em.execute<{ total: number }[]>(
      `select count(*)::int as total from user_licences l join licence_types t on t.id = l.type_id where ${condition}`,
      params,
    );
    const users = await this.access.inScope(principal, rows.map((row) => row.userId));
    return {
      total: Number(total),
      items: rows.map((row) => toView(row, users.get(row.userId), now, days)),
    };
  }
}

@QueryHandler(GetLicenceQuery)
export class GetLicenceHandler implements IQueryHandler<GetLicenceQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: LicenceAccess,
  ) {}

  async execute({ principal, licenceId, expiringWithinDays }: GetLicenceQuery) {
    const [row] = await this.em.execute<LicenceRow[]>(`select ${LICENCE_COLUMNS} from user_licences l join licence_types t on t.id = l.type_id where l.id = ?`, [licenceId]);
    const user = row ? await this.access.userInScope(principal, row.userId) : undefined;
    if (!row || !user) throw notFound('LICENCES.LICENCE_NOT_FOUND');
    return toView(row, user, today(), expiringWithinDays);
  }
}

function toView(row: LicenceRow, user: { id: string; userCode: string | null; email: string; firstName: string; lastName: string } | undefined, now: string, days: number): LicenceView {
  return {
    id: row.id,
    user: { id: row.userId, userCode: user?.userCode ?? null, email: user?.email ?? '', name: user ? `${user.firstName} ${user.lastName}` : '' },
    type: { id: row.typeId, code: row.typeCode, name: row.typeName, status: row.typeStatus },
    number: row.number,
    jurisdiction: row.jurisdiction,
    issuedOn: row.issuedOn,
    expiresOn: row.expiresOn,
    status: licenceStatus(row.expiresOn, now, days),
    version: Number(row.version),
  };
}
