import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { arrayLiteral } from './sql.js';

/**
 * Runs SQL with `$1..$n` bound by the PostgreSQL driver, inside `em`'s transaction when it has one.
 * `em.execute()` inlines parameters into the SQL text on the client, escaping every character: for a
 * chunk's rows passed as one JSON parameter that cost more CPU than the whole insert. Use this for
 * large parameters. Arrays of plain values are written as array literals here (arrayLiteral: the driver's own
 * conversion costs twice as much).
 */
export async function executeBound<T = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[]): Promise<T[]> {
  try {
    const result = await (em as SqlEntityManager).getKysely().executeQuery(CompiledQuery.raw(text, params.map(bindable)));
    return result.rows as T[];
  } catch (error) {
    // The driver's own error, as em.execute() would throw it: a unique violation is a UniqueConstraintViolationException.
    throw error instanceof Error && typeof (error as { code?: unknown }).code === 'string' ? em.getDriver().convertException(error) : error;
  }
}

function bindable(param: unknown): unknown {
  return Array.isArray(param) ? (arrayLiteral(param) ?? param) : param;
}
