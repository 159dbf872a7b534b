import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

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
  constructor(readonly filter: { importType?: string; from?: string; to?: string }) {
    super();
  }
}

@QueryHandler(ImportsPerDayQuery)
export class ImportsPerDayHandler implements IQueryHandler<ImportsPerDayQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ filter }: ImportsPerDayQuery): Promise<ImportsPerDayRow[]> {
    const where = ['true'];
    const params: unknown[] = [];
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
      `select to_char(day, 'YYYY-MM-DD') as day, import_type, validate_only, imports, imports_failed, rows_succeeded, rows_failed, rows_skipped
         from reporting_imports_per_day where ${where.join(' and ')} order by day, import_type, validate_only`,
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
