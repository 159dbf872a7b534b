import { Migration20261122000000_foundation } from './Migration20261122000000_foundation.js';

/**
 * Every migration, in order. Listed explicitly (not discovered by glob) so the compiled app and the
 * tests run exactly the same set.
 */
export const MIGRATIONS = [
  { name: 'Migration20261122000000_foundation', class: Migration20261122000000_foundation },
];
