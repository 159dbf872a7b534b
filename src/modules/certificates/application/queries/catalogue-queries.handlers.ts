import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FindDefinitionsByCodesQuery, type CertificateDefinitionSummary } from '#libs/contracts/certificates/index.js';
import { lookupMany } from '#libs/database/chunk-lookups.js';
import { likeContains, pgArray } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';

export interface CategoryView {
  id: string;
  name: string;
  definitionCount: number;
  createdAt: string;
}

export interface DefinitionView extends CertificateDefinitionSummary {
  categoryName: string;
  certificateCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface DefinitionListFilter {
  categoryId?: string;
  search?: string;
}

export class ListCategoriesQuery extends Query<CategoryView[]> {}

export class GetCategoryQuery extends Query<CategoryView> {
  constructor(readonly categoryId: string) {
    super();
  }
}

export class ListDefinitionsQuery extends Query<DefinitionView[]> {
  constructor(readonly filter: DefinitionListFilter = {}) {
    super();
  }
}

export class GetDefinitionQuery extends Query<DefinitionView> {
  constructor(readonly definitionId: string) {
    super();
  }
}

const CATEGORY_COLUMNS = `c.id, c.name, c.created_at,
  (select count(*) from certificate_definitions d where d.category_id = c.id) as definition_count`;

interface CategoryRow {
  id: string;
  name: string;
  created_at: Date;
  definition_count: string;
}

const toCategoryView = (row: CategoryRow): CategoryView => ({
  id: row.id,
  name: row.name,
  definitionCount: Number(row.definition_count),
  createdAt: new Date(row.created_at).toISOString(),
});

@QueryHandler(ListCategoriesQuery)
export class ListCategoriesHandler implements IQueryHandler<ListCategoriesQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute(): Promise<CategoryView[]> {
    const rows = await this.em.execute<CategoryRow[]>(`select ${CATEGORY_COLUMNS} from certificate_categories c order by lower(c.name), c.id`);
    return rows.map(toCategoryView);
  }
}

@QueryHandler(GetCategoryQuery)
export class GetCategoryHandler implements IQueryHandler<GetCategoryQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ categoryId }: GetCategoryQuery): Promise<CategoryView> {
    const rows = await this.em.execute<CategoryRow[]>(`select ${CATEGORY_COLUMNS} from certificate_categories c where c.id = ?`, [categoryId]);
    if (rows.length === 0) throw notFound('CERTIFICATES.CATEGORY_NOT_FOUND');
    return toCategoryView(rows[0]);
  }
}

const DEFINITION_COLUMNS = `d.id, d.code, d.name, d.category_id, c.name as category_name, d.validity_months, d.number_prefix,
  d.created_at, d.updated_at,
  (select count(*) from obtained_certificates o where o.definition_id = d.id) as certificate_count`;

interface DefinitionRow {
  id: string;
  code: string;
  name: string;
  category_id: string;
  category_name: string;
  validity_months: number | null;
  number_prefix: string | null;
  created_at: Date;
  updated_at: Date;
  certificate_count: string;
}

const toDefinitionView = (row: DefinitionRow): DefinitionView => ({
  id: row.id,
  code: row.code,
  name: row.name,
  categoryId: row.category_id,
  categoryName: row.category_name,
  validityMonths: row.validity_months,
  numberPrefix: row.number_prefix,
  certificateCount: Number(row.certificate_count),
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

@QueryHandler(ListDefinitionsQuery)
export class ListDefinitionsHandler implements IQueryHandler<ListDefinitionsQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ filter }: ListDefinitionsQuery): Promise<DefinitionView[]> {
    const where = ['true'];
    const params: unknown[] = [];
    if (filter.categoryId) {
      where.push('d.category_id = ?');
      params.push(filter.categoryId);
    }
    if (filter.search) {
      where.push('(d.code ilike ? or d.name ilike ?)');
      params.push(likeContains(filter.search), likeContains(filter.search));
    }
    const rows = await this.em.execute<DefinitionRow[]>(
      `select ${DEFINITION_COLUMNS} from certificate_definitions d join certificate_categories c on c.id = d.category_id
        where ${where.join(' and ')} order by d.code`,
      params,
    );
    return rows.map(toDefinitionView);
  }
}

@QueryHandler(GetDefinitionQuery)
export class GetDefinitionHandler implements IQueryHandler<GetDefinitionQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ definitionId }: GetDefinitionQuery): Promise<DefinitionView> {
    const rows = await this.em.execute<DefinitionRow[]>(
      `select ${DEFINITION_COLUMNS} from certificate_definitions d join certificate_categories c on c.id = d.category_id where d.id = ?`,
      [definitionId],
    );
    if (rows.length === 0) throw notFound('CERTIFICATES.DEFINITION_NOT_FOUND', { definition: definitionId });
    return toDefinitionView(rows[0]);
  }
}

/** Definitions by code for a whole batch (an import chunk) in one query; codes match case-insensitively. */
/** The chunk-lookup kind of definitions by (upper-case) code. */
export const DEFINITIONS_BY_CODE = 'certificate-definitions-by-code';

@QueryHandler(FindDefinitionsByCodesQuery)
export class FindDefinitionsByCodesHandler implements IQueryHandler<FindDefinitionsByCodesQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ codes }: FindDefinitionsByCodesQuery): Promise<CertificateDefinitionSummary[]> {
    const normalised = [...new Set(codes.map((code) => code.normalize('NFC').trim().toUpperCase()).filter(Boolean))];
    if (normalised.length === 0) return [];
    // Within an import chunk, the commands that register its rows find these here again.
    const found = await lookupMany(DEFINITIONS_BY_CODE, normalised, async (missing) => {
      const rows = await this.em.execute<CertificateDefinitionSummary[]>(
        `select id, code, name, category_id as "categoryId", validity_months as "validityMonths", number_prefix as "numberPrefix"
           from certificate_definitions where code = any(?::text[])`,
        [pgArray(missing)],
      );
      return new Map(rows.map((definition) => [definition.code, definition]));
    });
    return [...found.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
}
