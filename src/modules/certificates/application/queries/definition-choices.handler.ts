import { EntityManager } from '@mikro-orm/postgresql';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { CertificateDefinitionSummary } from '#libs/contracts/certificates/index.js';
import { ListDefinitionChoicesQuery } from '#libs/contracts/certificates/definition-choices.js';

@QueryHandler(ListDefinitionChoicesQuery)
export class ListDefinitionChoicesHandler implements IQueryHandler<ListDefinitionChoicesQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ limit }: ListDefinitionChoicesQuery): Promise<CertificateDefinitionSummary[]> {
    const rows = await this.em.fork().execute<
      { id: string; code: string; name: string; category_id: string; validity_months: number | null; number_prefix: string | null }[]
    >(`select id, code, name, category_id, validity_months, number_prefix from certificate_definitions order by lower(name), code limit ?`, [limit]);
    return rows.map((row) => ({
      id: row.id,
      code: row.code,
      name: row.name,
      categoryId: row.category_id,
      validityMonths: row.validity_months,
      numberPrefix: row.number_prefix,
    }));
  }
}
