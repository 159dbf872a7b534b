import { AsyncLocalStorage } from 'node:async_hooks';

/** Found values and known misses (null) per lookup kind, for the work running in one scope. */
type LookupCache = Map<string, Map<string, unknown>>;

const scope = new AsyncLocalStorage<LookupCache>();

/**
 * Runs `work` with a lookup cache of its own: the import engine opens one per chunk, so that every
 * lookup a chunk's row commands make (users by id in scope, definitions by code) is answered from the
 * one batch query the chunk made first, however each command asks. Outside a scope nothing is cached.
 */
export function withChunkLookups<T>(work: () => Promise<T>): Promise<T> {
  return scope.run(new Map(), work);
}

/**
 * Values by key of one kind of lookup: from this scope's cache where known (a miss is remembered too),
 * the rest loaded in one call. The kind must say everything the answer depends on besides the key
 * (the principal's scope, for example: `users-in-scope:<principalId>`).
 */
export async function lookupMany<V>(kind: string, keys: readonly string[], load: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
  const cache = scope.getStore();
  if (!cache) return load([...new Set(keys)]);
  let known = cache.get(kind);
  if (!known) cache.set(kind, (known = new Map()));
  const missing = [...new Set(keys.filter((key) => !known.has(key)))];
  if (missing.length > 0) {
    const loaded = await load(missing);
    for (const key of missing) known.set(key, loaded.get(key) ?? null);
  }
  const found = new Map<string, V>();
  for (const key of keys) {
    const value = known.get(key);
    if (value !== null && value !== undefined) found.set(key, value as V);
  }
  return found;
}

/** Records values found by another lookup (users found by code are also known by id). */
export function rememberLookups<V>(kind: string, entries: Iterable<[string, V]>): void {
  const cache = scope.getStore();
  if (!cache) return;
  let known = cache.get(kind);
  if (!known) cache.set(kind, (known = new Map()));
  for (const [key, value] of entries) known.set(key, value);
}
