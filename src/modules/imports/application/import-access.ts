import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { notFound } from '#libs/errors/domain-error.js';
import { ImportTypeRegistry } from './import-type-registry.js';

/**
 * Who may read and act on an import: platform admins see every import, everyone else the imports they
 * started; and, for everyone, only imports of a type whose permission they hold now. A permission taken
 * away also takes away the imports made with it. An import of a type no longer declared is seen by no one.
 */
@Injectable()
export class ImportAccess {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ImportTypeRegistry,
  ) {}

  condition(principal: Principal, alias = 'i'): { sql: string; params: unknown[] } {
    const types = this.registry
      .all()
      .filter((type) => principal.permissions.includes(type.permission))
      .map((type) => type.key);
    if (types.length === 0) return { sql: 'false', params: [] };
    const ofTypes = { sql: `${alias}.type = any(?::text[])`, params: [pgArray(types)] };
    if (principal.permissions.includes(Permissions.ScopeAll)) return ofTypes;
    return { sql: `${alias}.started_by = ? and ${ofTypes.sql}`, params: [principal.userId, ...ofTypes.params] };
  }

  async assertVisible(principal: Principal, importId: string): Promise<void> {
    const scope = this.condition(principal);
    const rows = await this.em.execute(`select 1 from imports i where i.id = ? and ${scope.sql}`, [importId, ...scope.params]);
    if (rows.length === 0) throw notFound('IMPORTS.IMPORT_NOT_FOUND');
  }
}
