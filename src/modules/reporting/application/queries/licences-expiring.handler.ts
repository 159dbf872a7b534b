import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { reportScope } from '../report-scope.js';

export interface LicencesExpiringRow {
  typeId: string;
  typeCode: string;
  typeName: string | null;
  /** Licences expiring from today up to and including today + 30 days. */
  within30Days: number;
  /** ... + 60 days (includes the 30). */
  within60Days: number;
  /** ... + 90 days (includes the 60). */
  within90Days: number;
}

export class LicencesExpiringQuery extends Query<{ asOf: string; types: LicencesExpiringRow[] }> {
  constructor(
    readonly principal: Principal,
    readonly typeCode?: string,
  ) {
    super();
  }
}

/**
 * Licences expiring in the next 30, 60 and 90 days per licence type, read from reporting_licences (fed by
 * the Licences events; it knows nothing of the Licences module's tables). Only licences of users in the
 * caller's scope; already expired licences are not counted; types with nothing expiring are left out.
 */
@QueryHandler(LicencesExpiringQuery)
export class LicencesExpiringHandler implements IQueryHandler<LicencesExpiringQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, typeCode }: LicencesExpiringQuery) {
    const asOf = new Date().toISOString().slice(0, 10);
    const scope = await reportScope(this.queries, principal, 'user_id');
    const where = [scope.sql, 'not removed', `expires_on between ?::date and ?::date + 90`];
    const params: unknown[] = [...scope.params, asOf, asOf];
    if (typeCode) {
      where.push('type_code = upper(?)');
      params.push(typeCode.trim());
    }
    const rows = await this.em.execute<{ type_id: string; type_code: string; type_name: string | null; d30: string; d60: string; d90: string }[]>(
      `select type_id, max(type_code) as type_code, max(type_name) as type_name,
              count(*) filter (where expires_on <= ?::date + 30) as d30,
              count(*) filter (where expires_on <= ?::date + 60) as d60,
              count(*) as d90
         from reporting_licences where ${where.join(' and ')}
        group by type_id order by 2`,
      [asOf, asOf, ...params],
    );
    return {
      asOf,
      types: rows.map((row) => ({
        typeId: row.type_id,
        typeCode: row.type_code,
        typeName: row.type_name,
        within30Days: Number(row.d30),
        within60Days: Number(row.d60),
        within90Days: Number(row.d90),
      })),
    };
  }
}
