import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { reportScope } from '../report-scope.js';

export interface CertificatesPerMonthRow {
  definitionId: string;
  definitionCode: string;
  /** YYYY-MM */
  month: string;
  certificates: number;
}

export interface CertificatesPerMonthFilter {
  definitionCode?: string;
  /** First month to include, YYYY-MM. */
  from?: string;
  /** Last month to include, YYYY-MM. */
  to?: string;
}

export class CertificatesPerMonthQuery extends Query<CertificatesPerMonthRow[]> {
  constructor(
    readonly principal: Principal,
    readonly filter: CertificatesPerMonthFilter,
  ) {
    super();
  }
}

/**
 * Reads the read model as it is; it knows nothing of the Certificates module's tables. Counts only the
 * certificates of users in the caller's scope.
 */
@QueryHandler(CertificatesPerMonthQuery)
export class CertificatesPerMonthHandler implements IQueryHandler<CertificatesPerMonthQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: CertificatesPerMonthQuery): Promise<CertificatesPerMonthRow[]> {
    const scope = await reportScope(this.queries, principal, 'user_id');
    const where = [scope.sql];
    const params: unknown[] = [...scope.params];
    if (filter.definitionCode) {
      where.push('definition_code = upper(?)');
      params.push(filter.definitionCode.trim());
    }
    if (filter.from) {
      where.push(`month >= to_date(?, 'YYYY-MM')`);
      params.push(filter.from);
    }
    if (filter.to) {
      where.push(`month <= to_date(?, 'YYYY-MM')`);
      params.push(filter.to);
    }
    const rows = await this.em.execute<{ definition_id: string; definition_code: string; month: string; certificates: number }[]>(
      `select definition_id, max(definition_code) as definition_code, to_char(month, 'YYYY-MM') as month, sum(certificates) as certificates
         from reporting_certificates_per_month where ${where.join(' and ')}
        group by definition_id, month
        order by month, 2`,
      params,
    );
    return rows.map((row) => ({
      definitionId: row.definition_id,
      definitionCode: row.definition_code,
      month: row.month,
      certificates: Number(row.certificates),
    }));
  }
}
