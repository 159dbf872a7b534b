import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { hasPermission, ListAdministeredGroupIdsQuery, Permissions, type Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { pgArray } from '#libs/database/sql.js';

/** The credential groups a principal may manage: all (platform admins), or those owned by a user group they administer. */
export type CredentialGroupScope = { kind: 'all' } | { kind: 'owners'; userGroupIds: string[] };

const NIL = '00000000-0000-0000-0000-000000000000';

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * Which credential groups a principal manages. A group owned by a user group is managed by the admins of
 * that user group and of its ancestors (the Users module resolves "administered", subgroups included); a
 * group without an owner only by platform admins (scope.all). Outside scope answers as unknown (404).
 */
@Injectable()
export class CredentialScope {
  constructor(private readonly queries: QueryBus) {}

  async of(principal: Principal): Promise<CredentialGroupScope> {
    if (hasPermission(principal, Permissions.ScopeAll)) return { kind: 'all' };
    if (!hasPermission(principal, Permissions.CredentialsManage)) return { kind: 'owners', userGroupIds: [] };
    const administered = await this.queries.execute(new ListAdministeredGroupIdsQuery(principal));
    return administered === 'all' ? { kind: 'all' } : { kind: 'owners', userGroupIds: administered };
  }

  /** A SQL condition on a credential group's owner column (e.g. `g.owner_group_id`), with its params. */
  async condition(principal: Principal, ownerColumn: string): Promise<{ sql: string; params: unknown[] }> {
    return conditionFor(await this.of(principal), ownerColumn);
  }

  /** The ids of the credential groups the principal manages, or `all`. */
  async manageableGroupIds(em: EntityManager, principal: Principal): Promise<string[] | 'all'> {
    const scope = await this.of(principal);
    if (scope.kind === 'all') return 'all';
    const condition = conditionFor(scope, 'owner_group_id');
    const rows = await execute<{ id: string }>(em, `select id from credential_groups where ${condition.sql}`, condition.params);
    return rows.map((row) => row.id);
  }

  /** May the principal manage this credential group? False for an unknown one too. */
  async mayManageGroup(em: EntityManager, principal: Principal, groupId: string): Promise<boolean> {
    if (!isUuid(groupId)) return false;
    const condition = await this.condition(principal, 'owner_group_id');
    const rows = await execute(em, `select 1 from credential_groups where id = ? and ${condition.sql}`, [groupId, ...condition.params]);
    return rows.length > 0;
  }

  /** Throws CREDENTIALS.GROUP_NOT_FOUND (404) for a group that is unknown or outside the principal's scope. */
  async assertGroupManageable(em: EntityManager, principal: Principal, groupId: string): Promise<void> {
    if (!(await this.mayManageGroup(em, principal, groupId))) throw notFound('CREDENTIALS.GROUP_NOT_FOUND');
  }

  /** May the principal give a credential group to this owner (null: platform admins only)? */
  async mayOwn(principal: Principal, ownerGroupId: string | null): Promise<boolean> {
    const scope = await this.of(principal);
    if (scope.kind === 'all') return true;
    return ownerGroupId !== null && scope.userGroupIds.includes(ownerGroupId);
  }
}

export function conditionFor(scope: CredentialGroupScope, ownerColumn: string): { sql: string; params: unknown[] } {
  if (scope.kind === 'all') return { sql: 'true', params: [] };
  if (scope.userGroupIds.length === 0) return { sql: 'false', params: [] };
  return { sql: `${ownerColumn} = any(?::uuid[])`, params: [pgArray(scope.userGroupIds)] };
}

function execute<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return (em as unknown as { execute: (sql: string, params: unknown[]) => Promise<T[]> }).execute(sql, params);
}

export { NIL };
