import { EntityManager } from '@mikro-orm/postgresql';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FindDefinitionsByIdsQuery, type CertificateDefinitionSummary } from '#libs/contracts/certificates/index.js';
import { pgArray } from '#libs/database/sql.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Definitions by id (other modules check an association, e.g. an external certificate's definition). */
@QueryHandler(FindDefinitionsByIdsQuery)
export class FindDefinitionsByIdsHandler implements IQueryHandler<FindDefinitionsByIdsQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ ids }: FindDefinitionsByIdsQuery): Promise<CertificateDefinitionSummary[]> {
    // A malformed id cannot exist: it is absent rather than an SQL error.
    const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
    if (wanted.length === 0) return [];
    return this.em.execute<CertificateDefinitionSummary[]>(
      `select id, code, name, category_id as "categoryId", validity_months as "validityMonths", number_prefix as "numberPrefix"
         from certificate_definitions where id = any(?::uuid[]) order by code`,
      [pgArray(wanted)],
    );
  }
}
