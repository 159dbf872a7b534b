import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';

export const STORED_FILE_REFERENCES = Symbol('stored-file-references');

/**
 * Marks a provider that tells the collector which stored files its module still needs. Every module that
 * keeps storage keys in its tables declares one, reading only its own tables: the collector knows no
 * module, and no module reads another's tables.
 */
export const StoredFileReferenceSource = () => SetMetadata(STORED_FILE_REFERENCES, true);

export interface StoredFileReferences {
  /** For logs: whose references these are. */
  readonly name: string;
  /**
   * Of `keys` (content addresses), the ones this module still needs. Runs in the collector's own
   * context and transaction (`em`). A failure stops the collection: nothing is removed on doubt.
   */
  referenced(em: EntityManager, keys: string[]): Promise<string[]>;
}
