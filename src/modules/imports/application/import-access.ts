import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Permissions, type Principal } from '../../../../libs/contracts/users/index.js';
import { notFound } from '../../../../libs/errors/domain-error.js';

/** Platform admins see every import; everyone else sees the imports they started. */
@Injectable()
export class ImportAccess {
  constructor(private readonly em: EntityManager) {}

  condition(principal: Principal, column = 'i.started_by'): { sql: string; params: unknown[] } {
    return principal.permissions.includes(Permissions.ScopeAll) ? { sql: 'true', params: [] } : { sql: `${column} = ?`, params: [principal.userId] };
  }

  async assertVisible(principal: Principal, importId: string): Promise<void> {
    const scope = this.condition(principal);
    const rows = await this.em.execute(`select 1 from imports i where i.id = ? and ${scope.sql}`, [importId, ...scope.params]);
    if (rows.length === 0) throw notFound('IMPORTS.IMPORT_NOT_FOUND');
  }
}
