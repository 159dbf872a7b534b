import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { notFound } from '#libs/errors/domain-error.js';
import type { LicenceTypeStatus } from '../../domain/licence-type.js';
import { LicenceStore, TYPE_COLUMNS, type LicenceTypeRow } from '../../infrastructure/licence-store.js';

export class ListLicenceTypesQuery extends Query<LicenceTypeRow[]> {
  constructor(readonly status?: LicenceTypeStatus) {
    super();
  }
}

export class GetLicenceTypeQuery extends Query<LicenceTypeRow> {
  constructor(readonly typeId: string) {
    super();
  }
}

@QueryHandler(ListLicenceTypesQuery)
export class ListLicenceTypesHandler implements IQueryHandler<ListLicenceTypesQuery> {
  constructor(private readonly em: EntityManager) {}
  execute({ status }: ListLicenceTypesQuery) {
    return this.em.execute<LicenceTypeRow[]>(
      `select ${TYPE_COLUMNS}, t.created_at as "createdAt", t.updated_at as "updatedAt",
              (select count(*)::int from user_licences l where l.type_id = t.id) as licences
         from licence_types t where (?::text is null or t.status = ?) order by t.code`,
      [status ?? null, status ?? null],
    );
  }
}

@QueryHandler(GetLicenceTypeQuery)
export class GetLicenceTypeHandler implements IQueryHandler<GetLicenceTypeQuery> {
  constructor(private readonly em: EntityManager) {}
  async execute({ typeId }: GetLicenceTypeQuery) {
    const type = await LicenceStore.type(this.em, typeId);
    if (!type) throw notFound('LICENCES.TYPE_NOT_FOUND');
    return type;
  }
}
