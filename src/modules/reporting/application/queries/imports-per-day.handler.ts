import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { reportScope } from '../report-scope.js';

export interface ImportsPerDayRow {
  day: string;
  importType: string;
  validateOnly: boolean;
  imports: number;
  importsFailed: number;
  rowsSucceeded: number;
  rowsFailed: number;
  rowsSkipped: number;
}

export class ImportsPerDayQuery extends Query<ImportsPerDayRow[]> {
  constructor(
    readonly principal: Principal,
    readonly filter: { importType?: string; from?: string; to?: string },
  ) {
    super();
  }
}

/** Counts only the imports started by users in the caller's scope. */
@QueryHandler(ImportsPerDayQuery)
export class ImportsPerDayHandler implements IQueryHandler<ImportsPerDayQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: ImportsPerDayQuery): Promise<ImportsPerDayRow[]> {
    const scope = await reportScope(this.queries, principal, 'started_by');
    const where = [scope.sql];
    const params: unknown[] = [...scope.params];
    if (filter.importType) {
      where.push('import_type = ?');
      params.push(filter.importType);
    }
    if (filter.from) {
      where.push('day >= ?::date');
      params.push(filter.from);
    }
    if (filter.to) {
      where.push('day <= ?::date');
      params.push(filter.to);
    }
    const rows = await this.em.execute<Record<string, string | number | boolean>[]>(
      `select to_char(day, 'YYYY-MM-DD') as day, import_type, validate_only, sum(imports) as imports, sum(imports_failed) as imports_failed,
              sum(rows_succeeded) as rows_succeeded, sum(rows_failed) as rows_failed, sum(rows_skipped) as rows_skipped
         from reporting_imports_per_day where ${where.join(' and ')}
        group by day, import_type, validate_only order by day, import_type, validate_only`,
      params,
    );
    return rows.map((row) => ({
      day: String(row.day),
      importType: String(row.import_type),
      validateOnly: Boolean(row.validate_only),
      imports: Number(row.imports),
      importsFailed: Number(row.imports_failed),
      rowsSucceeded: Number(row.rows_succeeded),
      rowsFailed: Number(row.rows_failed),
      rowsSkipped: Number(row.rows_skipped),
    }));
  }
}
