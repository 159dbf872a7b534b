import type { QueryBus } from '@nestjs/cqrs';
import { ResolveUserScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';

/**
 * The SQL condition that limits report rows to the users the principal may see (resolved by the Users
 * module through its contract). Rows without a user (counted before reports kept users) only count for
 * those who see everyone.
 */
export async function reportScope(queries: QueryBus, principal: Principal, column: string): Promise<{ sql: string; params: unknown[] }> {
  const scope = await queries.execute(new ResolveUserScopeQuery(principal));
  if (scope.kind === 'all') return { sql: 'true', params: [] };
  return { sql: `${column} = any(?::uuid[])`, params: [pgArray(scope.userIds)] };
}
