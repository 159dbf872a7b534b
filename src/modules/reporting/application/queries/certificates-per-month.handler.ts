import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

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
  constructor(readonly filter: CertificatesPerMonthFilter) {
    super();
  }
}

/** Reads the read model as it is; it knows nothing of the Certificates module's tables. */
@QueryHandler(CertificatesPerMonthQuery)
export class CertificatesPerMonthHandler implements IQueryHandler<CertificatesPerMonthQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ filter }: CertificatesPerMonthQuery): Promise<CertificatesPerMonthRow[]> {
    const where = ['true'];
    const params: unknown[] = [];
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
      `select definition_id, definition_code, to_char(month, 'YYYY-MM') as month, certificates
         from reporting_certificates_per_month where ${where.join(' and ')}
        order by month, definition_code`,
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
