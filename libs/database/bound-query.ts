import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';

/**
 * Runs SQL with `$1..$n` bound by the PostgreSQL driver, inside `em`'s transaction when it has one.
 * `em.execute()` inlines parameters into the SQL text on the client, escaping every character: for a
 * chunk's rows passed as one JSON parameter that cost more CPU than the whole insert. Use this for
 * large parameters.
 */
export async function executeBound<T = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[]): Promise<T[]> {
  try {
    const result = await (em as SqlEntityManager).getKysely().executeQuery(CompiledQuery.raw(text, [...params]));
    return result.rows as T[];
  } catch (error) {
    // The driver's own error, as em.execute() would throw it: a unique violation is a UniqueConstraintViolationException.
    throw error instanceof Error && typeof (error as { code?: unknown }).code === 'string' ? em.getDriver().convertException(error) : error;
  }
}
