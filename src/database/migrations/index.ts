import { Migration20261122000000_foundation } from './Migration20261122000000_foundation.js';
import { Migration20261122000100_certificates } from './Migration20261122000100_certificates.js';
import { Migration20261122000200_imports } from './Migration20261122000200_imports.js';
import { Migration20261130000200_import_parse_starts } from './Migration20261130000200_import_parse_starts.js';

/**
 * Every migration, in order. Listed explicitly (not discovered by glob) so the compiled app and the
 * tests run exactly the same set.
 */
export const MIGRATIONS = [
  { name: 'Migration20261122000000_foundation', class: Migration20261122000000_foundation },
  { name: 'Migration20261122000100_certificates', class: Migration20261122000100_certificates },
  { name: 'Migration20261122000200_imports', class: Migration20261122000200_imports },
  { name: 'Migration20261130000200_import_parse_starts', class: Migration20261130000200_import_parse_starts },
];
